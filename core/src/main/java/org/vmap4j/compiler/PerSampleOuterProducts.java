package org.vmap4j.compiler;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.vmap4j.ir.Equation;
import org.vmap4j.ir.Var;
import org.vmap4j.prim.Binary;
import org.vmap4j.prim.BroadcastInDim;
import org.vmap4j.prim.DotGeneral;
import org.vmap4j.prim.Transpose;

/**
 * Recognizes a per-sample gradient of a linear layer in a staged program: a value {@code G} of
 * shape {@code [B, M, N]} with {@code G[b,i,j] = Σ_t U[b,t,i] V[b,t,j]}, the form {@code
 * vmap(grad)} of {@code x @ W} takes once {@link AlgebraicSimplification} has run:
 *
 * <ul>
 *   <li>one example row ({@code T = 1}): {@code mul(broadcast(u, dims=(0,1)), broadcast(v,
 *       dims=(0,2)))} with {@code u:[B,M]}, {@code v:[B,N]} (the simplifier turns the size-1
 *       contraction into this multiply);
 *   <li>a sequence: {@code dot_general(u, v)} batched over axis 0 of both and contracting one
 *       further axis of each ({@code u:[B,T,M]} or {@code [B,M,T]}, likewise {@code v});
 *   <li>either of these under {@code transpose[perm=(0,2,1)]}, which swaps the factors.
 * </ul>
 */
final class PerSampleOuterProducts {
  private PerSampleOuterProducts() {}

  /**
   * {@code G = Σ_t U[:,t,:] ⊗ V[:,t,:]}. Without a time axis {@code u:[B,M]} and {@code v:[B,N]};
   * with one, {@code u} and {@code v} are rank 3 and {@code timeAxisU}/{@code timeAxisV} say which
   * of their axes 1 or 2 is the summed one.
   */
  record Outer(Var u, Var v, boolean hasTime, int timeAxisU, int timeAxisV) {
    Outer swapped() {
      return new Outer(v, u, hasTime, timeAxisV, timeAxisU);
    }

    int batch() {
      return u.type().dim(0);
    }

    int time() {
      return hasTime ? u.type().dim(timeAxisU) : 1;
    }

    int rows() {
      return u.type().dim(hasTime ? 3 - timeAxisU : 1);
    }

    int cols() {
      return v.type().dim(hasTime ? 3 - timeAxisV : 1);
    }
  }

  /** The factors of {@code g}, or null when it is not a per-sample outer product. */
  static Outer match(Var g, Map<Var, Equation> producer) {
    if (g.type().ndim() != 3) {
      return null;
    }
    Equation e = producer.get(g);
    if (e == null) {
      return null;
    }
    if (e.primitive() == Transpose.TRANSPOSE
        && Arrays.equals(e.params().ints("perm"), new int[] {0, 2, 1})) {
      Outer inner = match(e.inputs().get(0), producer);
      return inner == null ? null : inner.swapped();
    }
    if (e.primitive() == Binary.MUL) {
      return fromMultiply(e.inputs(), producer);
    }
    if (e.primitive() == DotGeneral.DOT_GENERAL) {
      return fromDotGeneral(e);
    }
    return null;
  }

  private static Outer fromMultiply(List<Var> operands, Map<Var, Equation> producer) {
    Var left = broadcastSource(operands.get(0), new int[] {0, 1}, producer);
    Var right = broadcastSource(operands.get(1), new int[] {0, 2}, producer);
    if (left == null || right == null) {
      left = broadcastSource(operands.get(1), new int[] {0, 1}, producer);
      right = broadcastSource(operands.get(0), new int[] {0, 2}, producer);
    }
    if (left == null || right == null) {
      return null;
    }
    return new Outer(left, right, false, 0, 0);
  }

  /** The rank-2 operand {@code v} was broadcast from along {@code dims}, or null. */
  private static Var broadcastSource(Var v, int[] dims, Map<Var, Equation> producer) {
    Equation e = producer.get(v);
    if (e == null
        || e.primitive() != BroadcastInDim.BROADCAST_IN_DIM
        || !Arrays.equals(e.params().ints("dims"), dims)) {
      return null;
    }
    Var source = e.inputs().get(0);
    int[] out = v.type().shape();
    int[] in = source.type().shape();
    // A true (not size-1-stretching) broadcast: the source already has the sizes of its axes.
    return in.length == 2 && in[0] == out[dims[0]] && in[1] == out[dims[1]] ? source : null;
  }

  private static Outer fromDotGeneral(Equation e) {
    var p = e.params();
    Var lhs = e.inputs().get(0);
    Var rhs = e.inputs().get(1);
    if (lhs.type().ndim() != 3
        || rhs.type().ndim() != 3
        || !Arrays.equals(p.ints("lhs_batch"), new int[] {0})
        || !Arrays.equals(p.ints("rhs_batch"), new int[] {0})) {
      return null;
    }
    int[] lc = p.ints("lhs_contract");
    int[] rc = p.ints("rhs_contract");
    if (lc.length != 1 || rc.length != 1 || lc[0] == 0 || rc[0] == 0) {
      return null;
    }
    return new Outer(lhs, rhs, true, lc[0], rc[0]);
  }
}
