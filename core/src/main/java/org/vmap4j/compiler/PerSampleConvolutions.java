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
 * over a sequence of patches, so the linear layer's closed forms carry over.
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
 *       cheaper, marked {@code rewrite=rank_one_projection}.
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
            reference); // [B, O, oh, ow]
    Var delta = e.emit(Reshape.RESHAPE, Reshape.params(responses.type().shape()), g.gradients());
    Var both = e.emit(Binary.MUL, Params.NONE, delta, responses);
    e.emitInto(
        out,
        Reduce.REDUCE_SUM,
        Reduce.params(1, 2, 3).with(PerSampleGradientRewrites.MARK, "per_sample_dot"),
        both);
  }

  /**
   * {@code out[b,j] = p_jᵀ G[b] q_j} for {@code P:[k,O]}, {@code Q:[k,CK]}, where {@code flat} is
   * {@code G} reshaped to {@code [B, O, CK]} (what the projection of a filter reads): {@code Σ_t
   * (p_j·δ_t)(q_j·p_t)}, when cheaper than forming {@code G} and projecting it. False when {@code
   * flat} is not such a reshape or the cost rule keeps {@code G}.
   */
  boolean projection(Var flat, Var p, Var q, Var out) {
    Equation r = producer.get(flat);
    if (r == null || r.primitive() != Reshape.RESHAPE) {
      return false;
    }
    PerSampleFilterGradients.FilterGradient g =
        PerSampleFilterGradients.match(r.inputs().get(0), producer);
    if (g == null || g.groups() != 1) {
      return false; // (a grouped layer's projection pairs each filter block with its channels)
    }
    int k = p.type().dim(0);
    long t = g.positionCount();
    long ck = g.patchLength();
    long o = g.outputs();
    if (!Arrays.equals(flat.type().shape(), new int[] {g.batch(), g.outputs(), g.patchLength()})
        || p.type().dim(1) != o
        || q.type().dim(0) != k
        || q.type().dim(1) != ck) {
      return false;
    }
    if (t * k * (ck + o) >= t * ck * o + k * ck * o) {
      // many output positions: forming G once, then projecting it, is cheaper
      return o < ck && projectFormed(flat, p, q, out);
    }
    int[] window = g.window();
    int[] filterShape = new int[2 + window.length];
    filterShape[0] = k;
    filterShape[1] = g.channels();
    System.arraycopy(window, 0, filterShape, 2, window.length);
    Var filters = e.emit(Reshape.RESHAPE, Reshape.params(filterShape), q); // [k, C, kh, kw]
    Var responses =
        e.emit(
            ConvGeneralDilated.CONV_GENERAL_DILATED,
            g.forwardParams(),
            batchFirstInputs(g),
            filters); // [B, k, oh, ow]
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

  /** The layer's input, batch first: {@code [B, C, H, W]}. */
  private Var batchFirstInputs(PerSampleFilterGradients.FilterGradient g) {
    if (g.groups() > 1) {
      int[] s = g.inputs().type().shape(); // [B·C, 1, H, W]
      return e.emit(
          Reshape.RESHAPE, Reshape.params(g.batch(), g.channels(), s[2], s[3]), g.inputs());
    }
    return e.emit(Transpose.TRANSPOSE, Transpose.params(1, 0, 2, 3), g.inputs());
  }

  /** The {@code [O, C, kh, kw]} filter that {@code v:[B, O, C, kh, kw]} repeats, or null. */
  private Var sameFilterForEveryExample(Var v) {
    Equation b = producer.get(v);
    if (b == null
        || b.primitive() != BroadcastInDim.BROADCAST_IN_DIM
        || !Arrays.equals(b.params().ints("dims"), new int[] {1, 2, 3, 4})) {
      return null;
    }
    Var r = b.inputs().get(0);
    int[] shape = v.type().shape();
    return Arrays.equals(r.type().shape(), Arrays.copyOfRange(shape, 1, shape.length)) ? r : null;
  }
}
