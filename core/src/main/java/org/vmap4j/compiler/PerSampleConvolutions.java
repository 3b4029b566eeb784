package org.vmap4j.compiler;

import java.util.Arrays;
import java.util.Map;
import org.vmap4j.interpreter.Params;
import org.vmap4j.interpreter.Primitive;
import org.vmap4j.ir.Equation;
import org.vmap4j.ir.Var;
import org.vmap4j.prim.Binary;
import org.vmap4j.prim.BroadcastInDim;
import org.vmap4j.prim.ConvGeneralDilated;
import org.vmap4j.prim.DotGeneral;
import org.vmap4j.prim.Reduce;
import org.vmap4j.prim.Reshape;
import org.vmap4j.prim.Transpose;

/**
 * Reductions of a convolution's per-sample filter gradients ({@link PerSampleFilterGradients})
 * computed without them. A filter gradient is a sum over the layer's {@code T} output positions of
 * outer products {@code G[b] = Σ_t δ_t ⊗ p_t} of the output gradients {@code δ_t ∈ R^O} and the
 * unfolded input patches {@code p_t ∈ R^(C·kh·kw)} ({@link ConvolutionPatches}): a linear layer
 * over a sequence of patches, so the linear layer's closed forms carry over. Written for 2-d
 * layers; every form here is over the spatial rank, so 1-d and 3-d layers are the same with one
 * window extent per dimension. A layer of {@code G} groups is {@code G} such layers side by side,
 * each over its own channels and filters: its forms are the same, per group.
 *
 * <ul>
 *   <li>the squared norm is {@code <P Pᵀ, Δ Δᵀ>} over {@code T×T} Gram matrices, {@code
 *       B·T²·(CK+O)} instead of forming {@code G} ({@code B·T·CK·O}): rewritten when that is
 *       cheaper, {@code T·(CK+O) < CK·O}, marked {@code rewrite=ghost_norm};
 *   <li>the dot with a reference filter {@code R} is {@code Σ_t δ_tᵀ R p_t}: the layer's own
 *       convolution of the input with {@code R}, multiplied by {@code δ} and summed ({@code
 *       B·T·CK·O}, what forming {@code G} costs, without the {@code [B, O, C, kh, kw]} buffer),
 *       always, marked {@code rewrite=per_sample_dot};
 *   <li>a rank-one projection row {@code p_jᵀ G q_j} is {@code Σ_t (p_j·δ_t)(q_j·p_t)}: a
 *       convolution of the input with the {@code q_j} as filters and a product of {@code δ} with
 *       {@code P}, {@code B·T·k·(CK+O)} instead of {@code B·T·CK·O + B·k·CK·O}: rewritten when
 *       cheaper, marked {@code rewrite=rank_one_projection};
 *   <li>a weighted batch sum {@code Σ_b c_b G[b]} is the layer's batch filter gradient of the
 *       scaled {@code δ}: one convolution over the batch, marked {@code rewrite=ghost_clipped_sum}.
 * </ul>
 */
final class PerSampleConvolutions {
  /** How a rewrite adds equations to the program being rebuilt. */
  interface Emitter {
    /** Adds an equation of a new variable and returns it. */
    Var emit(Primitive prim, Params params, Var... inputs);

    /** Adds the equation that now produces {@code out} (of the rewritten reduction). */
    void emitInto(Var out, Primitive prim, Params params, Var... inputs);
  }

  private final Map<Var, Equation> producer;
  private final Emitter e;

  PerSampleConvolutions(Map<Var, Equation> producer, Emitter e) {
    this.producer = producer;
    this.e = e;
  }

  /**
   * {@code reduce_sum[axes=(1,2,3,4)]} of {@code summed} into {@code out}: when {@code summed} is
   * {@code G * G} or {@code G * R} ({@code R} the same filter for every example) of a per-sample
   * filter gradient {@code G}, emits the closed form and returns {@code G}, which this reduction no
   * longer reads; null when it is left as written.
   */
  Var squaredNormOrDot(Var summed, Var out) {
    Equation mul = producer.get(summed);
    if (mul == null || mul.primitive() != Binary.MUL) {
      return null;
    }
    Var x = mul.inputs().get(0);
    Var y = mul.inputs().get(1);
    if (x == y) {
      PerSampleFilterGradients.FilterGradient g = PerSampleFilterGradients.match(x, producer);
      return g != null && squaredNorm(g, out) ? x : null;
    }
    for (int side = 0; side < 2; side++) {
      Var gradient = side == 0 ? x : y;
      Var reference = sameFilterForEveryExample(side == 0 ? y : x);
      PerSampleFilterGradients.FilterGradient g =
          reference == null ? null : PerSampleFilterGradients.match(gradient, producer);
      if (g != null) {
        dot(g, reference, out);
        return gradient;
      }
    }
    return null;
  }

  /** {@code |G[b]|² = <P Pᵀ, Δ Δᵀ>}, when cheaper than forming {@code G}. */
  private boolean squaredNorm(PerSampleFilterGradients.FilterGradient g, Var out) {
    long t = g.positionCount();
    long ck = g.patchLength();
    long o = g.outputs() / g.groups(); // per group: a group's gradient is [O/G, C/G·kh·kw]
    if (t == 0 || t * (ck + o) >= ck * o) {
      // many output positions: forming the filter gradient is cheaper (none: nothing to save)
      return false;
    }
    Var patches = ConvolutionPatches.emit(g, e); // [K, C, B, T], grouped [K, B·C, 1, T]
    Var patchGram;
    Var deltaGram;
    if (g.groups() == 1) {
      patchGram = gram(patches, new int[] {0, 1}, new int[] {2}); // [B, T, T]
      deltaGram = gram(outputGradients(g), new int[] {1}, new int[] {0});
    } else {
      int n = g.groups();
      int k = patches.type().dim(0);
      int c = g.channels() / n;
      int positions = g.positionCount();
      Var byGroup = e.emit(Reshape.RESHAPE, Reshape.params(k, g.batch(), n, c, positions), patches);
      patchGram = gram(byGroup, new int[] {0, 3}, new int[] {1, 2}); // [B, G, T, T]
      Var delta =
          e.emit(
              Reshape.RESHAPE,
              Reshape.params(g.batch(), n, g.outputs() / n, positions),
              g.gradients());
      deltaGram = gram(delta, new int[] {2}, new int[] {0, 1});
    }
    Var both = e.emit(Binary.MUL, Params.NONE, patchGram, deltaGram);
    int[] axes = g.groups() == 1 ? new int[] {1, 2} : new int[] {1, 2, 3};
    e.emitInto(
        out,
        Reduce.REDUCE_SUM,
        Reduce.params(axes).with(PerSampleGradientRewrites.MARK, "ghost_norm"),
        both);
    return true;
  }

  /** {@code x} times itself, contracting {@code contract}, batched over {@code batch}. */
  private Var gram(Var x, int[] contract, int[] batch) {
    return e.emit(
        DotGeneral.DOT_GENERAL, DotGeneral.params(contract, contract, batch, batch), x, x);
  }

  /** {@code <G[b], R> = Σ_{o,t} δ[b,o,t] · conv(x, R)[b,o,t]}. */
  private void dot(PerSampleFilterGradients.FilterGradient g, Var reference, Var out) {
    Var responses =
        e.emit(
            ConvGeneralDilated.CONV_GENERAL_DILATED,
            g.forwardParams(),
            batchFirstInputs(g),
            reference); // [B, O, y...]
    Var delta = e.emit(Reshape.RESHAPE, Reshape.params(responses.type().shape()), g.gradients());
    Var both = e.emit(Binary.MUL, Params.NONE, delta, responses);
    int[] perExample = new int[responses.type().ndim() - 1];
    for (int i = 0; i < perExample.length; i++) {
      perExample[i] = i + 1;
    }
    e.emitInto(
        out,
        Reduce.REDUCE_SUM,
        Reduce.params(perExample).with(PerSampleGradientRewrites.MARK, "per_sample_dot"),
        both);
  }

  /**
   * {@code out[b,j] = p_jᵀ G[b] q_j} for {@code P:[k,O]}, {@code Q:[k,CK]}, where {@code flat} is
   * {@code G} reshaped to {@code [B, O, CK]} (what the projection of a filter reads): {@code Σ_t
   * (p_j·δ_t)(q_j·p_t)}, when cheaper than forming {@code G} and projecting it. False when {@code
   * flat} is not such a reshape or the cost rule keeps {@code G}.
   */
  boolean projection(Var flat, Var p, Var q, Var out) {
    PerSampleFilterGradients.FilterGradient g =
        PerSampleFilterGradients.matchFlattened(flat, producer);
    if (g == null) {
      return false;
    }
    int k = p.type().dim(0);
    long t = g.positionCount();
    long ck = g.patchLength(); // per group
    long o = g.outputs();
    long n = g.groups();
    if (!Arrays.equals(flat.type().shape(), new int[] {g.batch(), g.outputs(), g.patchLength()})
        || p.type().dim(1) != o
        || q.type().dim(0) != k
        || q.type().dim(1) != ck) {
      return false;
    }
    if (t * k * (n * ck + o) >= t * ck * o + k * ck * o) {
      // many output positions: forming G once, then projecting it, is cheaper
      return o < ck && projectFormed(flat, p, q, out);
    }
    if (n > 1) {
      groupedProjection(g, p, q, out);
      return true;
    }
    int[] window = g.window();
    int[] filterShape = new int[2 + window.length];
    filterShape[0] = k;
    filterShape[1] = g.channels();
    System.arraycopy(window, 0, filterShape, 2, window.length);
    Var filters = e.emit(Reshape.RESHAPE, Reshape.params(filterShape), q); // [k, C, k...]
    Var responses =
        e.emit(
            ConvGeneralDilated.CONV_GENERAL_DILATED,
            g.forwardParams(),
            batchFirstInputs(g),
            filters); // [B, k, y...]
    Var qp = e.emit(Reshape.RESHAPE, Reshape.params(g.batch(), k, (int) t), responses); // [B, k, T]
    int[] none = new int[0];
    Var pd =
        e.emit(
            DotGeneral.DOT_GENERAL,
            DotGeneral.params(new int[] {1}, new int[] {1}, none, none),
            outputGradients(g),
            p); // [B, T, k]
    Var both =
        e.emit(
            Binary.MUL,
            Params.NONE,
            e.emit(Transpose.TRANSPOSE, Transpose.params(0, 2, 1), pd),
            qp);
    e.emitInto(
        out,
        Reduce.REDUCE_SUM,
        Reduce.params(2).with(PerSampleGradientRewrites.MARK, "rank_one_projection"),
        both);
    return true;
  }

  /**
   * The projection of a layer of {@code G} groups: a row of {@code G[b]} pairs filter {@code o} of
   * group {@code g} with the patches of the group's {@code c} channels only, so {@code p_jᵀ G[b]
   * q_j = Σ_g Σ_t (p_{j,g}·δ_{g,t})(q_j·p_{g,t})}, with {@code p_{j,g}} the entries of {@code p_j}
   * for group {@code g}'s filters. The {@code q_j·p_{g,t}} are the layer's grouped convolution of
   * the input with {@code Q}'s rows repeated as {@code k} filters per group; the {@code
   * p_{j,g}·δ_{g,t}} one contraction batched over the groups. {@code B·T·k·(G·CK + O)} with {@code
   * CK} per group.
   */
  private void groupedProjection(PerSampleFilterGradients.FilterGradient g, Var p, Var q, Var out) {
    int n = g.groups();
    int k = p.type().dim(0);
    int t = g.positionCount();
    int perGroup = g.outputs() / n;
    int[] window = g.window();
    int[] filterShape = new int[2 + window.length];
    filterShape[0] = n * k;
    filterShape[1] = g.channels() / n;
    System.arraycopy(window, 0, filterShape, 2, window.length);
    Var repeated =
        e.emit(
            BroadcastInDim.BROADCAST_IN_DIM,
            BroadcastInDim.params(new int[] {n, k, g.patchLength()}, new int[] {1, 2}),
            q);
    Var filters = e.emit(Reshape.RESHAPE, Reshape.params(filterShape), repeated); // [G·k, c, k...]
    Var responses =
        e.emit(
            ConvGeneralDilated.CONV_GENERAL_DILATED,
            g.forwardParams(),
            batchFirstInputs(g),
            filters); // [B, G·k, y...]
    Var qp = e.emit(Reshape.RESHAPE, Reshape.params(g.batch(), n, k, t), responses);
    Var qpByGroup = e.emit(Transpose.TRANSPOSE, Transpose.params(1, 0, 3, 2), qp); // [G, B, T, k]
    Var delta = e.emit(Reshape.RESHAPE, Reshape.params(g.batch(), n, perGroup, t), g.gradients());
    Var pByGroup = e.emit(Reshape.RESHAPE, Reshape.params(k, n, perGroup), p);
    Var pd =
        e.emit(
            DotGeneral.DOT_GENERAL,
            DotGeneral.params(new int[] {2}, new int[] {2}, new int[] {1}, new int[] {1}),
            delta,
            pByGroup); // [G, B, T, k]
    Var both = e.emit(Binary.MUL, Params.NONE, pd, qpByGroup);
    e.emitInto(
        out,
        Reduce.REDUCE_SUM,
        Reduce.params(0, 2).with(PerSampleGradientRewrites.MARK, "rank_one_projection"),
        both);
  }

  /**
   * {@code Σ_b c_b G[b]} ({@code scale} {@code c:[B]}, or null for the plain sum) into {@code
   * out:[O, C/G, k...]}: the layer's batch filter gradient of the scaled output gradients, one
   * convolution that contracts the batch in place of one group per example ({@code B·T·CK·O}, no
   * {@code [B, O, C/G, k...]} buffer). Its lhs is the input channels first, {@code [C, B, x...]},
   * its filters the output gradients {@code [O, B, y...]}: the batch is the contracted feature
   * axis. With {@code G} groups the channels split into {@code G} consecutive batch groups, each
   * met by its group's {@code O/G} filters ({@code batch_group_count=G}).
   */
  void batchSum(PerSampleFilterGradients.FilterGradient g, Var scale, Var out) {
    int[] positions = g.positions();
    int rank = positions.length + 2;
    int[] deltaShape = new int[rank];
    deltaShape[0] = g.batch();
    deltaShape[1] = g.outputs();
    System.arraycopy(positions, 0, deltaShape, 2, positions.length);
    Var delta = e.emit(Reshape.RESHAPE, Reshape.params(deltaShape), g.gradients());
    if (scale != null) {
      Var spread =
          e.emit(
              BroadcastInDim.BROADCAST_IN_DIM,
              BroadcastInDim.params(deltaShape, new int[] {0}),
              scale);
      delta = e.emit(Binary.MUL, Params.NONE, delta, spread);
    }
    Var filters = e.emit(Transpose.TRANSPOSE, swapLeading(rank), delta); // [O, B, y...]
    Var inputs =
        g.groups() == 1
            ? g.inputs()
            : e.emit(Transpose.TRANSPOSE, swapLeading(rank), batchFirstInputs(g));
    Var summed =
        e.emit(
            ConvGeneralDilated.CONV_GENERAL_DILATED,
            g.conv().params().with("feature_group_count", 1).with("batch_group_count", g.groups()),
            inputs,
            filters); // [C/G, O, k...]
    e.emitInto(
        out,
        Transpose.TRANSPOSE,
        swapLeading(rank).with(PerSampleGradientRewrites.MARK, "ghost_clipped_sum"),
        summed);
  }

  /** The transpose of the two leading axes of a rank-{@code rank} value. */
  private static Params swapLeading(int rank) {
    int[] perm = new int[rank];
    for (int i = 0; i < rank; i++) {
      perm[i] = i;
    }
    perm[0] = 1;
    perm[1] = 0;
    return Transpose.params(perm);
  }

  /**
   * {@code out[b,j] = p_jᵀ G[b] q_j} of the formed {@code G} ({@code flat:[B, O, CK]}), contracting
   * {@code Q} first: {@code Σ_o P[j,o] (G[b] Qᵀ)[o,j]}. The same multiply-adds as the order written
   * ({@code P} first), but a {@code [B, O, k]} intermediate in place of {@code [B, k, CK]} (three
   * passes over it: transpose, multiply, sum) and a contraction over {@code CK} instead of the few
   * filters {@code O}. Unmarked: {@code G} is formed.
   */
  private boolean projectFormed(Var flat, Var p, Var q, Var out) {
    int[] none = new int[0];
    int[] shape = flat.type().shape(); // [B, O, CK]
    int k = p.type().dim(0);
    Var gq =
        e.emit(
            DotGeneral.DOT_GENERAL,
            DotGeneral.params(new int[] {2}, new int[] {1}, none, none),
            flat,
            q); // [B, O, k]
    Var pt = e.emit(Transpose.TRANSPOSE, Transpose.params(1, 0), p); // [O, k]
    Var spread =
        e.emit(
            BroadcastInDim.BROADCAST_IN_DIM,
            BroadcastInDim.params(new int[] {shape[0], shape[1], k}, new int[] {1, 2}),
            pt);
    Var both = e.emit(Binary.MUL, Params.NONE, gq, spread);
    e.emitInto(out, Reduce.REDUCE_SUM, Reduce.params(1), both);
    return true;
  }

  /** {@code [B, O, T]}: each example's output gradients, one row per output channel. */
  private Var outputGradients(PerSampleFilterGradients.FilterGradient g) {
    return e.emit(
        Reshape.RESHAPE, Reshape.params(g.batch(), g.outputs(), g.positionCount()), g.gradients());
  }

  /** The layer's input, batch first: {@code [B, C, x...]}. */
  private Var batchFirstInputs(PerSampleFilterGradients.FilterGradient g) {
    int[] s = g.inputs().type().shape(); // [C, B, x...], grouped [B·C, 1, x...]
    if (g.groups() > 1) {
      int[] shape = s.clone();
      shape[0] = g.batch();
      shape[1] = g.channels();
      return e.emit(Reshape.RESHAPE, Reshape.params(shape), g.inputs());
    }
    return e.emit(Transpose.TRANSPOSE, swapLeading(s.length), g.inputs());
  }

  /** The {@code [O, C, k...]} filter that {@code v:[B, O, C, k...]} repeats, or null. */
  private Var sameFilterForEveryExample(Var v) {
    Equation b = producer.get(v);
    int[] afterBatch = new int[v.type().ndim() - 1];
    for (int i = 0; i < afterBatch.length; i++) {
      afterBatch[i] = i + 1;
    }
    if (b == null
        || b.primitive() != BroadcastInDim.BROADCAST_IN_DIM
        || !Arrays.equals(b.params().ints("dims"), afterBatch)) {
      return null;
    }
    Var r = b.inputs().get(0);
    int[] shape = v.type().shape();
    return Arrays.equals(r.type().shape(), Arrays.copyOfRange(shape, 1, shape.length)) ? r : null;
  }
}
