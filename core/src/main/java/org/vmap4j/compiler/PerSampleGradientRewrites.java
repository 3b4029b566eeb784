package org.vmap4j.compiler;

import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.vmap4j.Tensor;
import org.vmap4j.TensorType;
import org.vmap4j.cpu.CpuTensor;
import org.vmap4j.interpreter.Params;
import org.vmap4j.interpreter.Primitive;
import org.vmap4j.ir.Equation;
import org.vmap4j.ir.Program;
import org.vmap4j.ir.Var;
import org.vmap4j.prim.Binary;
import org.vmap4j.prim.BroadcastInDim;
import org.vmap4j.prim.Compare;
import org.vmap4j.prim.Convert;
import org.vmap4j.prim.DotGeneral;
import org.vmap4j.prim.Gather;
import org.vmap4j.prim.Reduce;
import org.vmap4j.prim.Reshape;
import org.vmap4j.prim.ScatterAdd;
import org.vmap4j.prim.Transpose;

/**
 * Reductions of per-sample gradients of linear layers computed without the per-sample gradients. A
 * per-sample gradient {@code G[b] = Σ_t u_{b,t} ⊗ v_{b,t}} (see {@link PerSampleOuterProducts}) is
 * {@code B·M·N} numbers; the reductions programs take of it have closed forms in its factors:
 *
 * <ul>
 *   <li>{@code reduce_sum[axes=(1,2)](G * G)}, the squared norm per example, is {@code <U Uᵀ, V
 *       Vᵀ>} (over the time axis), costing {@code B·T²·(M+N)} instead of {@code B·T·M·N}: rewritten
 *       when that is cheaper ({@code T·(M+N) < M·N}, always for {@code T = 1}), marked {@code
 *       rewrite="ghost_norm"};
 *   <li>{@code reduce_sum[axes=(0)](G * c)} with {@code c} varying only along the batch (a clipped
 *       or weighted sum), or {@code reduce_sum[axes=(0)](G)}, is one matrix product {@code (c ∘ U)ᵀ
 *       V}, marked {@code rewrite="ghost_clipped_sum"};
 *   <li>{@code reduce_sum[axes=(1,2)](G * R)} with {@code R} the same for every example (a dot
 *       product with a reference gradient) is {@code Σ_t (u_t R) · v_t}, marked {@code
 *       rewrite="per_sample_dot"};
 *   <li>{@code p_jᵀ G q_j} for every row j of fixed {@code P:[k,M]} and {@code Q:[k,N]} (a
 *       projection whose rows are rank one, {@code PerSampleGrads.project}) is {@code Σ_t (P u_t) ∘
 *       (Q v_t)}, marked {@code rewrite="rank_one_projection"} (with the norm's cost rule).
 * </ul>
 *
 * A tied embedding's gradient, an {@code add} of an embedding's row scatter and a projection's
 * outer products, is reduced term by term (the norm with twice the two terms' inner product).
 *
 * <p>The mark is a parameter {@code rewrite} on the equation that produces the reduction's result,
 * so it shows in the program text. Anything else is left as it was (the per-sample gradient is then
 * materialized, as written); dead code elimination removes {@code G} once no reduction reads it.
 */
final class PerSampleGradientRewrites {
  private PerSampleGradientRewrites() {}

  static final String MARK = "rewrite";

  static Program run(Program p) {
    // This pass runs in every jit compile. Every rewrite starts at a reduce_sum of a rank-3
    // value (the [B, M, N] per-sample gradient); a program without one, which is what most
    // programs without a per-sample gradient are, is returned as it is without being rebuilt.
    return hasCandidate(p) ? rewriteAll(p) : p;
  }

  /** The pass over every equation, without the check for a place to start. */
  static Program rewriteAll(Program p) {
    return new Pass(p).run();
  }

  /** Whether some equation is a {@code reduce_sum} of a rank-3 value, where a rewrite can start. */
  static boolean hasCandidate(Program p) {
    for (Equation e : p.equations()) {
      if (e.primitive() == Reduce.REDUCE_SUM && startsRewrite(e)) {
        return true;
      }
    }
    return false;
  }

  /**
   * A sum of a rank-3 value (a layer's or an embedding's {@code [B, M, N]} gradient), or over the
   * batch or over each example of a higher rank one (a convolution's {@code [B, O, C, k...]} filter
   * gradient: rank 4, 5 and 6 for 1-d, 2-d and 3-d layers).
   */
  private static boolean startsRewrite(Equation e) {
    int rank = e.inputs().get(0).type().ndim();
    int[] axes = e.params().ints("axes");
    return rank == 3
        || (rank > 3 && (Arrays.equals(axes, new int[] {0}) || isEveryAxisButTheFirst(axes, rank)));
  }

  private static boolean isEveryAxisButTheFirst(int[] axes, int rank) {
    if (axes.length != rank - 1) {
      return false;
    }
    for (int i = 0; i < axes.length; i++) {
      if (axes[i] != i + 1) {
        return false;
      }
    }
    return true;
  }

  private static final class Pass implements PerSampleConvolutions.Emitter {
    private final Program source;
    private final ProgramBuilder b;
    private final Map<Var, Equation> producer = new IdentityHashMap<>();
    private final Map<Var, CpuTensor> constants = new IdentityHashMap<>();
    private final Map<Var, Integer> readers = new IdentityHashMap<>();
    private final PerSampleConvolutions convolutions = new PerSampleConvolutions(producer, this);

    /** Results of one term of a sum of per-sample gradients: emitted without the mark. */
    private final Set<Var> partial = Collections.newSetFromMap(new IdentityHashMap<>());

    Pass(Program source) {
      this.source = source;
      this.b = new ProgramBuilder(source);
      for (Equation e : source.equations()) {
        e.inputs().stream().distinct().forEach(v -> readers.merge(v, 1, Integer::sum));
      }
      source.outputs().forEach(v -> readers.merge(v, 1, Integer::sum));
      for (int i = 0; i < source.constVars().size(); i++) {
        constants.put(source.constVars().get(i), source.constValues().get(i));
      }
    }

    Program run() {
      for (Equation original : source.equations()) {
        Equation e =
            new Equation(
                original.primitive(),
                original.params(),
                b.resolve(original.inputs()),
                original.outputs());
        if (!rewrite(e)) {
          add(e);
        }
      }
      return b.build();
    }

    private boolean rewrite(Equation e) {
      if (e.primitive() != Reduce.REDUCE_SUM || !startsRewrite(e)) {
        return false;
      }
      int[] axes = e.params().ints("axes");
      Var summed = e.inputs().get(0);
      Var out = e.outputs().get(0);
      if (summed.type().ndim() > 3) {
        if (Arrays.equals(axes, new int[] {0})) {
          return filterBatchSum(summed, out);
        }
        Var released = convolutions.squaredNormOrDot(summed, out);
        if (released != null) {
          // no longer read here: a clipped sum's batch sum may now be the only reader of G
          readers.merge(released, -1, Integer::sum);
        }
        return released != null;
      }
      if (Arrays.equals(axes, new int[] {0})) {
        return batchSum(summed, out);
      }
      if (Arrays.equals(axes, new int[] {2})) {
        return rankOneProjection(summed, out);
      }
      if (!Arrays.equals(axes, new int[] {1, 2})) {
        return false;
      }
      Equation mul = producer.get(summed);
      if (mul == null || mul.primitive() != Binary.MUL) {
        return false;
      }
      Var x = mul.inputs().get(0);
      Var y = mul.inputs().get(1);
      if (x == y) {
        PerSampleOuterProducts.Outer g = PerSampleOuterProducts.match(x, producer);
        if (g != null) {
          return squaredNorm(g, out);
        }
        PerSampleScatters.RowScatter rows = PerSampleScatters.match(x, producer, constants);
        if (rows != null) {
          return embeddingSquaredNorm(rows, out);
        }
        Tied tied = tied(x);
        return tied != null && tiedSquaredNorm(tied, out);
      }
      for (int side = 0; side < 2; side++) {
        Var gradient = side == 0 ? x : y;
        Var reference = sharedAcrossBatch(side == 0 ? y : x);
        if (reference == null) {
          continue;
        }
        PerSampleOuterProducts.Outer g = PerSampleOuterProducts.match(gradient, producer);
        if (g != null) {
          dotWithReference(g, reference, out);
          return true;
        }
        PerSampleScatters.RowScatter rows = PerSampleScatters.match(gradient, producer, constants);
        if (rows != null) {
          embeddingDot(rows, reference, out);
          return true;
        }
        Tied tied = tied(gradient);
        if (tied != null) {
          Var projection = partial(out);
          dotWithReference(tied.projection(), reference, projection);
          Var lookup = partial(out);
          embeddingDot(tied.lookup(), reference, lookup);
          emitInto(out, Binary.ADD, Params.of(MARK, "per_sample_dot"), projection, lookup);
          return true;
        }
      }
      return false;
    }

    /**
     * An embedding matrix used both as the input lookup and as the output projection (tied
     * embeddings): its per-sample gradient is the sum {@code G = G1 + G2} of the projection's outer
     * products {@code G1[b] = Σ_s u_s ⊗ v_s} ({@code u_s ∈ R^V}, {@code v_s ∈ R^D}) and the
     * lookup's row scatter {@code G2[b] = Σ_t e_{idx_t} ⊗ δ_t}.
     */
    private record Tied(
        PerSampleOuterProducts.Outer projection, PerSampleScatters.RowScatter lookup) {}

    /** The two terms {@code v} adds when it is a tied embedding's per-sample gradient, or null. */
    private Tied tied(Var v) {
      Equation add = producer.get(v);
      if (add == null || add.primitive() != Binary.ADD) {
        return null;
      }
      for (int side = 0; side < 2; side++) {
        PerSampleOuterProducts.Outer o =
            PerSampleOuterProducts.match(add.inputs().get(side), producer);
        PerSampleScatters.RowScatter r =
            o == null
                ? null
                : PerSampleScatters.match(add.inputs().get(1 - side), producer, constants);
        if (r != null) {
          return new Tied(o, r);
        }
      }
      return null;
    }

    /** A variable of {@code out}'s type for one term of a sum, whose equation goes unmarked. */
    private Var partial(Var out) {
      Var v = new Var(out.type());
      partial.add(v);
      return v;
    }

    /**
     * {@code |G1 + G2|² = |G1|² + |G2|² + 2<G1, G2>} with each square by its own closed form and
     * the cross term {@code <G1, G2> = Σ_t Σ_s u_s[idx_t] (v_s·δ_t)}: the projection's output
     * gradients read at the example's own indices, times the {@code [T, T]} products of the two
     * sides' {@code D}-vectors ({@code B·T²·(D+1)}). Rewritten when both squares are.
     */
    private boolean tiedSquaredNorm(Tied g, Var out) {
      if (!ghostNormCheaper(g.projection()) || !ghostNormCheaper(g.lookup())) {
        return false;
      }
      Var projection = partial(out);
      squaredNorm(g.projection(), projection);
      Var lookup = partial(out);
      embeddingSquaredNorm(g.lookup(), lookup);
      Var cross = crossTerm(g);
      emitInto(
          out,
          Binary.ADD,
          Params.of(MARK, "ghost_norm"),
          emit(Binary.ADD, Params.NONE, projection, lookup),
          emit(Binary.ADD, Params.NONE, cross, cross));
      return true;
    }

    /** {@code <G1[b], G2[b]> = Σ_t Σ_s u_s[idx_t] (v_s·δ_t)}, {@code [B]}. */
    private Var crossTerm(Tied g) {
      PerSampleOuterProducts.Outer o = g.projection();
      PerSampleScatters.RowScatter r = g.lookup();
      Var u = o.u(); // [B,S,V] (or [B,V,S], or [B,V] without a time axis)
      Var v = o.v();
      int uRows = o.hasTime() ? 3 - o.timeAxisU() : 1; // u's V axis
      int vFeatures = o.hasTime() ? 3 - o.timeAxisV() : 1;
      // picked[b, ..] = u[b, s, idx[b,t]]: [B, S, T] when time comes before V in u, else [B, T, S]
      Var picked = emit(Gather.GATHER, Gather.params(uRows, 1), u, r.indices());
      boolean timeFirst = o.hasTime() && o.timeAxisU() == 1;
      int[] none = new int[0];
      int[] batch = {0};
      Var products =
          timeFirst || !o.hasTime()
              ? emit(
                  DotGeneral.DOT_GENERAL,
                  DotGeneral.params(new int[] {vFeatures}, new int[] {2}, batch, batch),
                  o.v(),
                  r.updates()) // [B, S, T] ([B, T] without time)
              : emit(
                  DotGeneral.DOT_GENERAL,
                  DotGeneral.params(new int[] {2}, new int[] {vFeatures}, batch, batch),
                  r.updates(),
                  o.v()); // [B, T, S]
      Var both = emit(Binary.MUL, Params.NONE, picked, products);
      return emit(Reduce.REDUCE_SUM, o.hasTime() ? Reduce.params(1, 2) : Reduce.params(1), both);
    }

    /**
     * {@code |G[b]|² = Σ_{t,s} [idx_t = idx_s] (δ_t·δ_s)} for an embedding's per-sample gradient:
     * {@code B·T²·(D+1)} instead of forming {@code B·V·D}, when that is cheaper.
     */
    private boolean embeddingSquaredNorm(PerSampleScatters.RowScatter g, Var out) {
      if (!ghostNormCheaper(g)) {
        return false; // a long sequence over a small table: forming G is cheaper
      }
      int[] square = {g.batch(), g.time(), g.time()};
      Var rowsT =
          emit(
              BroadcastInDim.BROADCAST_IN_DIM,
              BroadcastInDim.params(square, new int[] {0, 1}),
              g.indices());
      Var rowsS =
          emit(
              BroadcastInDim.BROADCAST_IN_DIM,
              BroadcastInDim.params(square, new int[] {0, 2}),
              g.indices());
      Var sameRow =
          emit(
              Convert.CONVERT,
              Convert.params(g.updates().type().dtype()),
              emit(Compare.EQ, Params.NONE, rowsT, rowsS));
      Var products = gram(g.updates(), 2);
      Var both = emit(Binary.MUL, Params.NONE, sameRow, products);
      emitInto(out, Reduce.REDUCE_SUM, Reduce.params(1, 2).with(MARK, "ghost_norm"), both);
      return true;
    }

    /** {@code <G[b], R> = Σ_t δ_t · R[idx_t]}: a gather of the reference's rows. */
    private void embeddingDot(PerSampleScatters.RowScatter g, Var reference, Var out) {
      Var rows = emit(Gather.GATHER, Gather.params(0, 0), reference, g.indices());
      Var both = emit(Binary.MUL, Params.NONE, g.updates(), rows);
      emitInto(out, Reduce.REDUCE_SUM, Reduce.params(1, 2).with(MARK, "per_sample_dot"), both);
    }

    /** The {@code [V, D]} zeros the batch sum scatters into: the program's own, or a new one. */
    private Var zeroTable(PerSampleScatters.RowScatter g) {
      if (g.table() != null) {
        return g.table();
      }
      TensorType type = new TensorType(g.updates().type().dtype(), g.rows(), g.width());
      Var zeros = new Var(type);
      b.addConstant(zeros, (CpuTensor) Tensor.zeros(type.dtype(), type.shape()));
      return zeros;
    }

    /** {@code Σ_b c_b G[b]}: one scatter of the scaled output gradients of the whole batch. */
    private void embeddingBatchSum(PerSampleScatters.RowScatter g, Var scale, Var out) {
      Var updates = g.updates();
      if (scale != null) {
        Var spread =
            emit(
                BroadcastInDim.BROADCAST_IN_DIM,
                BroadcastInDim.params(updates.type().shape(), new int[] {0}),
                scale);
        updates = emit(Binary.MUL, Params.NONE, updates, spread);
      }
      emitInto(
          out,
          ScatterAdd.SCATTER_ADD,
          Gather.params(0, 0).with(MARK, "ghost_clipped_sum"),
          zeroTable(g),
          g.indices(),
          updates);
    }

    /**
     * {@code Σ_b c_b G[b]} of a convolution's per-sample filter gradients: the batch's filter
     * gradient with each example's output gradients scaled, one convolution contracting the batch
     * in place of one group per example ({@link PerSampleConvolutions#batchSum}).
     */
    private boolean filterBatchSum(Var summed, Var out) {
      PerSampleFilterGradients.FilterGradient g = PerSampleFilterGradients.match(summed, producer);
      Var scale = null;
      if (g != null && readers.getOrDefault(summed, 0) > 1) {
        return false; // formed for another reader anyway: summing it is cheaper than a new conv
      }
      if (g == null) {
        Equation mul = producer.get(summed);
        if (mul == null || mul.primitive() != Binary.MUL) {
          return false;
        }
        for (int side = 0; side < 2 && g == null; side++) {
          Var gradient = mul.inputs().get(side);
          scale = perExampleScale(mul.inputs().get(1 - side));
          g = scale == null ? null : PerSampleFilterGradients.match(gradient, producer);
          if (g != null && readers.getOrDefault(gradient, 0) > 1) {
            // Another reader (a clipped sum's norms) forms G anyway; summing it is then cheaper
            // than a second convolution over the batch (measured: docs/performance.md).
            return false;
          }
        }
        if (g == null) {
          return false;
        }
      }
      convolutions.batchSum(g, scale, out);
      return true;
    }

    /** {@code Σ_b c_b G[b]}, or {@code Σ_b G[b]}: one matrix product of the factors. */
    private boolean batchSum(Var summed, Var out) {
      PerSampleOuterProducts.Outer g = PerSampleOuterProducts.match(summed, producer);
      PerSampleScatters.RowScatter rows =
          g == null ? PerSampleScatters.match(summed, producer, constants) : null;
      Tied tied = g == null && rows == null ? tied(summed) : null;
      Var scale = null;
      if (g == null && rows == null && tied == null) {
        Equation mul = producer.get(summed);
        if (mul == null || mul.primitive() != Binary.MUL) {
          return false;
        }
        for (int side = 0; side < 2 && g == null && rows == null && tied == null; side++) {
          Var gradient = mul.inputs().get(side);
          scale = perExampleScale(mul.inputs().get(1 - side));
          if (scale != null) {
            g = PerSampleOuterProducts.match(gradient, producer);
            rows = g == null ? PerSampleScatters.match(gradient, producer, constants) : null;
            tied = g == null && rows == null ? tied(gradient) : null;
          }
        }
        if (g == null && rows == null && tied == null) {
          return false;
        }
      }
      if (tied != null) {
        Var projection = partial(out);
        outerBatchSum(tied.projection(), scale, projection);
        Var lookup = partial(out);
        embeddingBatchSum(tied.lookup(), scale, lookup);
        emitInto(out, Binary.ADD, Params.of(MARK, "ghost_clipped_sum"), projection, lookup);
        return true;
      }
      if (rows != null) {
        embeddingBatchSum(rows, scale, out);
        return true;
      }
      outerBatchSum(g, scale, out);
      return true;
    }

    /** {@code Σ_b c_b Σ_t u_{b,t} ⊗ v_{b,t}}: one matrix product {@code (c ∘ U)ᵀ V}. */
    private void outerBatchSum(PerSampleOuterProducts.Outer g, Var scale, Var out) {
      Var u = g.u();
      if (scale != null) {
        Var spread =
            emit(
                BroadcastInDim.BROADCAST_IN_DIM,
                BroadcastInDim.params(u.type().shape(), new int[] {0}),
                scale);
        u = emit(Binary.MUL, Params.NONE, u, spread);
      }
      int[] lc = g.hasTime() ? new int[] {0, g.timeAxisU()} : new int[] {0};
      int[] rc = g.hasTime() ? new int[] {0, g.timeAxisV()} : new int[] {0};
      emitInto(
          out,
          DotGeneral.DOT_GENERAL,
          DotGeneral.params(lc, rc, new int[0], new int[0]).with(MARK, "ghost_clipped_sum"),
          u,
          g.v());
    }

    /** {@code T·(M+N) < M·N} (always without a time axis): the Gram form beats forming G. */
    private static boolean ghostNormCheaper(PerSampleOuterProducts.Outer g) {
      long t = g.hasTime() ? g.time() : 1;
      return !g.hasTime() || t * (g.rows() + g.cols()) < (long) g.rows() * g.cols();
    }

    /** {@code T²·(D+1) < V·D}: the masked Gram beats forming the {@code [V, D]} gradient. */
    private static boolean ghostNormCheaper(PerSampleScatters.RowScatter g) {
      long t = g.time();
      return t * t * (g.width() + 1) < (long) g.rows() * g.width();
    }

    /** {@code |G[b]|² = Σ_{t,s} (u_t·u_s)(v_t·v_s)}, when cheaper than forming {@code G}. */
    private boolean squaredNorm(PerSampleOuterProducts.Outer g, Var out) {
      if (!g.hasTime()) {
        Var uu =
            emit(Reduce.REDUCE_SUM, Reduce.params(1), emit(Binary.MUL, Params.NONE, g.u(), g.u()));
        Var vv =
            emit(Reduce.REDUCE_SUM, Reduce.params(1), emit(Binary.MUL, Params.NONE, g.v(), g.v()));
        emitInto(out, Binary.MUL, Params.of(MARK, "ghost_norm"), uu, vv);
        return true;
      }
      if (!ghostNormCheaper(g)) {
        return false; // the materialized gradient is the cheaper way for long sequences
      }
      Var uu = gram(g.u(), 3 - g.timeAxisU());
      Var vv = gram(g.v(), 3 - g.timeAxisV());
      Var both = emit(Binary.MUL, Params.NONE, uu, vv);
      emitInto(out, Reduce.REDUCE_SUM, Reduce.params(1, 2).with(MARK, "ghost_norm"), both);
      return true;
    }

    /**
     * {@code out[b,j] = p_jᵀ G[b] q_j}, staged as {@code
     * reduce_sum[axes=(2)](transpose[perm=(1,0,2)]( dot_general(P, G)) * broadcast(Q))} (what
     * {@code vmap} makes of {@code P.matmul(g).mul(Q) .sum(1)}), is {@code Σ_t (P u_t) ∘ (Q v_t)}:
     * {@code B·T·k·(M+N)} instead of {@code B·k·M·N} (when {@code T·(M+N) < M·N}, always for {@code
     * T = 1}).
     */
    private boolean rankOneProjection(Var summed, Var out) {
      Equation mul = producer.get(summed);
      if (mul == null || mul.primitive() != Binary.MUL) {
        return false;
      }
      for (int side = 0; side < 2; side++) {
        Var rows = projectedRows(mul.inputs().get(side));
        Var q = sharedAcrossBatch(mul.inputs().get(1 - side)); // [k,N]
        if (rows == null || q == null) {
          continue;
        }
        Equation dot = producer.get(rows);
        Var p = dot.inputs().get(0);
        Tied tied = tied(dot.inputs().get(1));
        if (tied != null) {
          PerSampleOuterProducts.Outer g = tied.projection();
          if (q.type().dim(0) != p.type().dim(0) || q.type().dim(1) != g.cols()) {
            continue;
          }
          if (!projectionCheaper(g)) {
            return false; // forming G is cheaper for long sequences
          }
          Var projection = partial(out);
          outerProjection(g, p, q, projection);
          Var lookup = partial(out);
          embeddingProjection(tied.lookup(), p, q, lookup);
          emitInto(out, Binary.ADD, Params.of(MARK, "rank_one_projection"), projection, lookup);
          return true;
        }
        PerSampleOuterProducts.Outer g =
            PerSampleOuterProducts.match(dot.inputs().get(1), producer);
        if (g == null) {
          PerSampleScatters.RowScatter scatter =
              PerSampleScatters.match(dot.inputs().get(1), producer, constants);
          if (scatter == null
              || q.type().dim(0) != p.type().dim(0)
              || q.type().dim(1) != scatter.width()) {
            if (convolutions.projection(dot.inputs().get(1), p, q, out)) {
              return true;
            }
            continue;
          }
          embeddingProjection(scatter, p, q, out);
          return true;
        }
        if (q.type().dim(0) != p.type().dim(0) || q.type().dim(1) != g.cols()) {
          continue;
        }
        if (!projectionCheaper(g)) {
          return false; // forming G is cheaper for long sequences
        }
        outerProjection(g, p, q, out);
        return true;
      }
      return false;
    }

    /** {@code T·(M+N) < M·N}: projecting the factors beats forming G and projecting it. */
    private static boolean projectionCheaper(PerSampleOuterProducts.Outer g) {
      return (long) g.time() * (g.rows() + g.cols()) < (long) g.rows() * g.cols();
    }

    /** {@code out[b,j] = Σ_t (P u_t)_j (Q v_t)_j}. */
    private void outerProjection(PerSampleOuterProducts.Outer g, Var p, Var q, Var out) {
      int[] none = new int[0];
      int featureU = g.hasTime() ? 3 - g.timeAxisU() : 1;
      int featureV = g.hasTime() ? 3 - g.timeAxisV() : 1;
      Var pu =
          emit(
              DotGeneral.DOT_GENERAL,
              DotGeneral.params(new int[] {featureU}, new int[] {1}, none, none),
              g.u(),
              p);
      Var qv =
          emit(
              DotGeneral.DOT_GENERAL,
              DotGeneral.params(new int[] {featureV}, new int[] {1}, none, none),
              g.v(),
              q);
      if (!g.hasTime()) {
        emitInto(out, Binary.MUL, Params.of(MARK, "rank_one_projection"), pu, qv);
      } else {
        Var both = emit(Binary.MUL, Params.NONE, pu, qv);
        emitInto(out, Reduce.REDUCE_SUM, Reduce.params(1).with(MARK, "rank_one_projection"), both);
      }
    }

    /**
     * {@code p_jᵀ G[b] q_j = Σ_t P[j, idx_t] (q_j·δ_t)} for an embedding: the columns of {@code P}
     * the example's indices pick, times {@code Q δ_t}; {@code B·T·k·D} instead of {@code B·k·V·D}.
     */
    private void embeddingProjection(PerSampleScatters.RowScatter g, Var p, Var q, Var out) {
      int[] none = new int[0];
      Var picked = emit(Gather.GATHER, Gather.params(1, 0), p, g.indices()); // [k,B,T]
      Var pickedByExample = emit(Transpose.TRANSPOSE, Transpose.params(1, 2, 0), picked);
      Var qd =
          emit(
              DotGeneral.DOT_GENERAL,
              DotGeneral.params(new int[] {2}, new int[] {1}, none, none),
              g.updates(),
              q); // [B,T,k]
      Var both = emit(Binary.MUL, Params.NONE, pickedByExample, qd);
      emitInto(out, Reduce.REDUCE_SUM, Reduce.params(1).with(MARK, "rank_one_projection"), both);
    }

    /**
     * The {@code dot_general(P:[k,M], G:[B,M,N])} (contracting M, giving {@code [k,B,N]}) that
     * {@code v} transposes to {@code [B,k,N]}, or null.
     */
    private Var projectedRows(Var v) {
      Equation t = producer.get(v);
      if (t == null || !(swapsLeadingAxes(t) || movesUnitBatchFirst(t))) {
        return null;
      }
      Var r = t.inputs().get(0);
      Equation dot = producer.get(r);
      if (dot == null
          || dot.primitive() != DotGeneral.DOT_GENERAL
          || dot.inputs().get(0).type().ndim() != 2
          || dot.inputs().get(1).type().ndim() != 3
          || !Arrays.equals(dot.params().ints("lhs_contract"), new int[] {1})
          || !Arrays.equals(dot.params().ints("rhs_contract"), new int[] {1})
          || dot.params().ints("lhs_batch").length != 0) {
        return null;
      }
      return r;
    }

    private static boolean swapsLeadingAxes(Equation t) {
      return t.primitive() == Transpose.TRANSPOSE
          && Arrays.equals(t.params().ints("perm"), new int[] {1, 0, 2});
    }

    /**
     * {@code [k,1,N]} reshaped to {@code [1,k,N]}: the simplifier's form of that transpose at B=1.
     */
    private static boolean movesUnitBatchFirst(Equation t) {
      if (t.primitive() != Reshape.RESHAPE || t.inputs().get(0).type().ndim() != 3) {
        return false;
      }
      int[] in = t.inputs().get(0).type().shape();
      int[] out = t.outputs().get(0).type().shape();
      return out.length == 3 && in[1] == 1 && out[0] == 1 && in[0] == out[1] && in[2] == out[2];
    }

    /** {@code [B,T,T]}: the products of every pair of time steps of one example. */
    private Var gram(Var x, int featureAxis) {
      int[] f = {featureAxis};
      int[] batch = {0};
      return emit(DotGeneral.DOT_GENERAL, DotGeneral.params(f, f, batch, batch), x, x);
    }

    /** {@code <G[b], R> = Σ_t (u_t R) · v_t}. */
    private void dotWithReference(PerSampleOuterProducts.Outer g, Var reference, Var out) {
      int[] none = new int[0];
      if (!g.hasTime()) {
        // u R:[B,N] or v Rᵀ:[B,M], the same GEMM work: take the smaller product, which then is
        // multiplied by the other factor and summed (a layer's narrow output side: [B,10] rather
        // than [B,256] for the peers' MLP's last layer)
        boolean viaV = g.rows() < g.cols();
        Var ur =
            viaV
                ? emit(
                    DotGeneral.DOT_GENERAL,
                    DotGeneral.params(new int[] {1}, new int[] {1}, none, none),
                    g.v(),
                    reference)
                : emit(
                    DotGeneral.DOT_GENERAL,
                    DotGeneral.params(new int[] {1}, new int[] {0}, none, none),
                    g.u(),
                    reference);
        Var both = emit(Binary.MUL, Params.NONE, ur, viaV ? g.u() : g.v());
        emitInto(out, Reduce.REDUCE_SUM, Reduce.params(1).with(MARK, "per_sample_dot"), both);
        return;
      }
      // u R keeps u's batch and time axes in order: [B,T,N]; v must then be [B,T,N] too.
      Var ur =
          emit(
              DotGeneral.DOT_GENERAL,
              DotGeneral.params(new int[] {3 - g.timeAxisU()}, new int[] {0}, none, none),
              g.u(),
              reference);
      Var v = g.v();
      if (g.timeAxisV() == 2) {
        v = emit(Transpose.TRANSPOSE, Transpose.params(0, 2, 1), v);
      }
      Var both = emit(Binary.MUL, Params.NONE, ur, v);
      emitInto(out, Reduce.REDUCE_SUM, Reduce.params(1, 2).with(MARK, "per_sample_dot"), both);
    }

    /** The {@code [M,N]} tensor {@code v:[B,M,N]} repeats for every example, or null. */
    private Var sharedAcrossBatch(Var v) {
      Equation e = producer.get(v);
      if (e == null
          || e.primitive() != BroadcastInDim.BROADCAST_IN_DIM
          || !Arrays.equals(e.params().ints("dims"), new int[] {1, 2})) {
        return null;
      }
      Var r = e.inputs().get(0);
      int[] shape = v.type().shape();
      return r.type().dim(0) == shape[1] && r.type().dim(1) == shape[2] ? r : null;
    }

    /** The {@code [B]} scale that {@code v:[B,M,N]} applies per example, or null. */
    private Var perExampleScale(Var v) {
      Equation e = producer.get(v);
      if (e == null || e.primitive() != BroadcastInDim.BROADCAST_IN_DIM) {
        return null;
      }
      Var c = e.inputs().get(0);
      int[] dims = e.params().ints("dims");
      int batch = v.type().dim(0);
      if (Arrays.equals(dims, new int[] {0}) && c.type().dim(0) == batch) {
        return c;
      }
      int rank = v.type().ndim();
      int[] unitsAfterBatch = new int[rank];
      Arrays.fill(unitsAfterBatch, 1);
      unitsAfterBatch[0] = batch;
      if (Arrays.equals(dims, java.util.stream.IntStream.range(0, rank).toArray())
          && Arrays.equals(c.type().shape(), unitsAfterBatch)) {
        return emit(Reshape.RESHAPE, Reshape.params(batch), c); // [B,1,...,1]
      }
      return null;
    }

    @Override
    public Var emit(Primitive prim, Params params, Var... inputs) {
      TensorType[] in = new TensorType[inputs.length];
      for (int i = 0; i < in.length; i++) {
        in[i] = inputs[i].type();
      }
      Var out = new Var(prim.inferTypes(in, params)[0]);
      add(new Equation(prim, params, List.of(inputs), List.of(out)));
      return out;
    }

    /** Emits the equation that produces {@code out}, the variable the rewritten one produced. */
    @Override
    public void emitInto(Var out, Primitive prim, Params params, Var... inputs) {
      if (partial.contains(out)) {
        params = params.without(MARK); // one term of a sum: the sum carries the mark
      }
      TensorType[] in = new TensorType[inputs.length];
      for (int i = 0; i < in.length; i++) {
        in[i] = inputs[i].type();
      }
      TensorType t = prim.inferTypes(in, params)[0];
      if (!t.equals(out.type())) {
        throw new IllegalStateException(
            "per-sample rewrite " + params + " gives " + t + " for " + out.type());
      }
      add(new Equation(prim, params, List.of(inputs), List.of(out)));
    }

    private void add(Equation e) {
      b.add(e);
      for (Var v : e.outputs()) {
        producer.put(v, e);
      }
    }
  }
}
