package org.vmap4j.gpu;

import org.vmap4j.core.Shapes;
import org.vmap4j.ir.Equation;
import org.vmap4j.prim.DotGeneral;

/**
 * Maps a {@code dot_general} on contiguous operands to one strided-batched GEMM: the batch, free
 * and contracting dimension groups of each operand must each collapse into a single stride (they
 * are adjacent and in order in memory, ignoring size-1 dimensions). The result is [batch..., lhs
 * free..., rhs free...] row-major, which is GEMM's contiguous [batch, m, n]. Where a group does not
 * collapse, the {@link #NOT_ADJACENT} error sends the step to {@link TransposedDotGeneral}.
 */
final class DotGeneralGemm {
  /** Part of the message when a dimension group does not collapse to one stride. */
  static final String NOT_ADJACENT = "not adjacent in memory";

  private DotGeneralGemm() {}

  /** The GEMM computing {@code e}. */
  static GemmPtx.Shape shape(Equation e) {
    if (e.primitive() != DotGeneral.DOT_GENERAL) {
      throw new IllegalArgumentException("not a dot_general: " + e);
    }
    int[] ls = e.inputs().get(0).type().shape();
    int[] rs = e.inputs().get(1).type().shape();
    if (e.inputs().get(0).type().dtype() != e.inputs().get(1).type().dtype()
        || e.outputs().get(0).type().dtype() != e.inputs().get(0).type().dtype()) {
      throw new UnsupportedOperationException("dot_general with mixed dtypes");
    }
    int[] lc = e.params().ints("lhs_contract");
    int[] rc = e.params().ints("rhs_contract");
    int[] lb = e.params().ints("lhs_batch");
    int[] rb = e.params().ints("rhs_batch");
    int[] lf = DotGeneral.free(ls.length, lc, lb);
    int[] rf = DotGeneral.free(rs.length, rc, rb);
    int[] lStrides = Shapes.contiguousStrides(ls);
    int[] rStrides = Shapes.contiguousStrides(rs);
    return new GemmPtx.Shape(
        e.inputs().get(0).type().dtype(),
        Shapes.size(Shapes.select(ls, lb)),
        Shapes.size(Shapes.select(ls, lf)),
        Shapes.size(Shapes.select(rs, rf)),
        Shapes.size(Shapes.select(ls, lc)),
        stride(ls, lStrides, lb, "lhs batch"),
        stride(ls, lStrides, lf, "lhs free"),
        stride(ls, lStrides, lc, "lhs contracting"),
        stride(rs, rStrides, rb, "rhs batch"),
        stride(rs, rStrides, rc, "rhs contracting"),
        stride(rs, rStrides, rf, "rhs free"));
  }

  /**
   * The stride of dimension group {@code dims} (in that order) seen as one dimension; 0 for an
   * empty group (or one of size-1 dimensions only).
   */
  static long stride(int[] shape, int[] strides, int[] dims, String what) {
    long expected = -1;
    long innermost = 0;
    for (int i = dims.length - 1; i >= 0; i--) {
      int d = dims[i];
      if (shape[d] == 1) {
        continue;
      }
      if (expected >= 0 && strides[d] != expected) {
        throw new UnsupportedOperationException(
            "the " + what + " dimensions of dot_general are " + NOT_ADJACENT);
      }
      if (expected < 0) {
        innermost = strides[d];
      }
      expected = (long) strides[d] * shape[d];
    }
    return innermost;
  }
}
