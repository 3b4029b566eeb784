package org.vmap4j.gpu;

import org.vmap4j.DType;
import org.vmap4j.gpu.ptx.GemmPtx;
import org.vmap4j.interpreter.Shapes;
import org.vmap4j.ir.Equation;
import org.vmap4j.prim.DotGeneral;

/**
 * Maps a {@code dot_general} on contiguous operands to one strided-batched GEMM: the batch, free
 * and contracting dimension groups of each operand must each collapse into a single stride (they
 * are adjacent and in order in memory, ignoring size-1 dimensions). The result is [batch..., lhs
 * free..., rhs free...] row-major, which is GEMM's contiguous [batch, m, n]. Where a group does not
 * collapse, the answer is {@link NotAdjacent} and placement transposes first ({@link
 * TransposedDotGeneral}).
 */
final class DotGeneralGemm {
  /** Returned by {@link #stride} when a group's dimensions do not collapse to one stride. */
  static final long NOT_ADJACENT = -1;

  private DotGeneralGemm() {}

  /** How a dot_general runs on the device: placement's question, answered as a value. */
  sealed interface Mapping permits Direct, NotAdjacent, Unsupported {}

  /** One GEMM of this shape computes it. */
  record Direct(GemmPtx.Shape shape) implements Mapping {}

  /** A dimension group ({@code which}) is not adjacent in memory: transpose operands first. */
  record NotAdjacent(String which) implements Mapping {}

  /** No GEMM computes it (dtypes, sizes): it runs on the CPU. */
  record Unsupported(String reason) implements Mapping {}

  /** How {@code e} maps to a GEMM. */
  static Mapping map(Equation e) {
    if (e.primitive() != DotGeneral.DOT_GENERAL) {
      throw new IllegalArgumentException("not a dot_general: " + e);
    }
    int[] ls = e.inputs().get(0).type().shape();
    int[] rs = e.inputs().get(1).type().shape();
    DType dtype = e.inputs().get(0).type().dtype();
    if (e.inputs().get(1).type().dtype() != dtype || e.outputs().get(0).type().dtype() != dtype) {
      return new Unsupported("dot_general with mixed dtypes");
    }
    int[] lc = e.params().ints("lhs_contract");
    int[] rc = e.params().ints("rhs_contract");
    int[] lb = e.params().ints("lhs_batch");
    int[] rb = e.params().ints("rhs_batch");
    int[] lf = DotGeneral.free(ls.length, lc, lb);
    int[] rf = DotGeneral.free(rs.length, rc, rb);
    int[] lStrides = Shapes.contiguousStrides(ls);
    int[] rStrides = Shapes.contiguousStrides(rs);
    long[] strides = {
      stride(ls, lStrides, lb),
      stride(ls, lStrides, lf),
      stride(ls, lStrides, lc),
      stride(rs, rStrides, rb),
      stride(rs, rStrides, rc),
      stride(rs, rStrides, rf)
    };
    String[] groups = {
      "lhs batch", "lhs free", "lhs contracting", "rhs batch", "rhs contracting", "rhs free"
    };
    for (int i = 0; i < strides.length; i++) {
      if (strides[i] == NOT_ADJACENT) {
        return new NotAdjacent(groups[i]);
      }
    }
    int batch = Shapes.size(Shapes.select(ls, lb));
    int m = Shapes.size(Shapes.select(ls, lf));
    int n = Shapes.size(Shapes.select(rs, rf));
    String why = GemmPtx.Shape.unsupported(dtype, batch, m, n);
    if (why != null) {
      return new Unsupported(why);
    }
    return new Direct(
        new GemmPtx.Shape(
            dtype,
            batch,
            m,
            n,
            Shapes.size(Shapes.select(ls, lc)),
            strides[0],
            strides[1],
            strides[2],
            strides[3],
            strides[4],
            strides[5]));
  }

  /**
   * The stride of dimension group {@code dims} (in that order) seen as one dimension; 0 for an
   * empty group (or one of size-1 dimensions only); {@link #NOT_ADJACENT} when it is not one.
   */
  static long stride(int[] shape, int[] strides, int[] dims) {
    long expected = -1;
    long innermost = 0;
    for (int i = dims.length - 1; i >= 0; i--) {
      int d = dims[i];
      if (shape[d] == 1) {
        continue;
      }
      if (expected >= 0 && strides[d] != expected) {
        return NOT_ADJACENT;
      }
      if (expected < 0) {
        innermost = strides[d];
      }
      expected = (long) strides[d] * shape[d];
    }
    return innermost;
  }
}
