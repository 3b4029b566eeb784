package org.vmap4j.cpu;

import org.vmap4j.DType;
import org.vmap4j.TensorType;
import org.vmap4j.kernel.Contraction;
import org.vmap4j.kernel.GemmDescription;
import org.vmap4j.kernel.ScalarOp;

/**
 * Runs a {@link Contraction} (a {@code dot_general}'s statement of itself) on CPU tensors: the
 * operands are viewed in GEMM order, copied where the view is not packed row-major (the CPU's
 * micro-kernels need that, see {@link Gemm}), mapped onto a {@link GemmDescription} by {@link
 * Contraction#onto} and rendered by {@link Gemm#run}.
 */
public final class Contractions {
  private Contractions() {}

  /** The contraction of {@code lhs} and {@code rhs}, a tensor of type {@code out}. */
  public static CpuTensor evaluate(Contraction c, CpuTensor lhs, CpuTensor rhs, TensorType out) {
    CpuTensor a = lhs.permuteView(c.lhsGemmOrder());
    CpuTensor b = rhs.permuteView(c.rhsGemmOrder());
    // both branches below that read the operands the other way round need k > 1: form it once
    Contraction swapped = c.k() > 1 ? c.swapped() : null;
    if (c.k() >= ROW_PRODUCT_MIN_LENGTH
        && c.m() <= ROW_PRODUCT_MAX_SIDE
        && c.n() <= ROW_PRODUCT_MAX_SIDE
        && a.isContiguous()) {
      // Small products of long rows, both operands stored along the contracted axis (a Gram
      // matrix X Xᵀ per example, the ghost norm's [T, T] products): dot products of rows, with
      // no transposing copy of an operand (which costs as much as the product here)
      CpuTensor rows = rhs.permuteView(swapped.lhsGemmOrder());
      if (rows.isContiguous()) {
        Object data =
            Gemm.batchedRowProducts(
                out.dtype(),
                a.data(),
                a.offset(),
                rows.data(),
                rows.offset(),
                c.batch(),
                c.m(),
                c.n(),
                c.k());
        return CpuTensor.wrap(out.dtype(), data, out.shape());
      }
    }
    if (c.k() > 1) {
      // C^T = B^T A^T needs no copy of an operand stored transposed (a vmapped right-hand side
      // usually is): compute whichever orientation copies fewer elements. This also makes the
      // cost independent of operand order: w.dot(x) under vmap is [1,k]x[B,k]^T, which read in
      // this orientation is x.dot(w)'s [B,k]x[k,1] with no copy of x (m or n may be 1 here)
      CpuTensor at = rhs.permuteView(swapped.lhsGemmOrder());
      CpuTensor bt = lhs.permuteView(swapped.rhsGemmOrder());
      if (copyCost(at) + copyCost(bt) < copyCost(a) + copyCost(b)) {
        CpuTensor ct = product(swapped, at.contiguous(), bt.contiguous(), out.dtype());
        return ct.permuteView(c.swappedResultOrder());
      }
    }
    a = a.contiguous();
    b = b.contiguous();
    if (c.k() == 1) {
      return outerProduct(a, b, c.batch(), c.m(), c.n(), out);
    }
    return product(c, a, b, out.dtype());
  }

  /** Row products run for results of at most this many rows and columns per batch element, */
  private static final int ROW_PRODUCT_MAX_SIDE = 64;

  /** and rows of at least this length (shorter rows leave the lanes' reductions dominant). */
  private static final int ROW_PRODUCT_MIN_LENGTH = 64;

  private static int copyCost(CpuTensor t) {
    return t.isContiguous() ? 0 : t.size();
  }

  /**
   * The product of operands already packed in GEMM order ({@code a} is the left operand permuted by
   * {@link Contraction#lhsGemmOrder}, {@code b} the right by {@link Contraction#rhsGemmOrder}), as
   * a tensor of the contraction's result shape.
   */
  private static CpuTensor product(Contraction c, CpuTensor a, CpuTensor b, DType dtype) {
    Contraction.Mapping mapping =
        c.onto(
            stridesInOperandOrder(a, c.lhsGemmOrder()),
            a.offset(),
            stridesInOperandOrder(b, c.rhsGemmOrder()),
            b.offset());
    if (!(mapping instanceof Contraction.Direct direct)) {
      throw new IllegalStateException("packed operands map directly onto a GEMM: " + mapping);
    }
    Object data = Gemm.run(direct.gemm(), a.data(), b.data());
    return CpuTensor.wrap(dtype, data, c.resultShape());
  }

  /** The strides of the operand that {@code view} (the operand permuted by {@code order}) reads. */
  private static int[] stridesInOperandOrder(CpuTensor view, int[] order) {
    int[] out = new int[order.length];
    for (int i = 0; i < order.length; i++) {
      out[order[i]] = view.strides()[i];
    }
    return out;
  }

  /**
   * With nothing to sum (contracting dimensions of size 1) the product is an outer product per
   * batch element: one element-wise multiply of two broadcast views, not a matrix product.
   */
  private static CpuTensor outerProduct(
      CpuTensor a, CpuTensor b, int batch, int m, int n, TensorType out) {
    CpuTensor left = a.view(new int[] {batch, m, n}, new int[] {m, 1, 0}, a.offset());
    CpuTensor right = b.view(new int[] {batch, m, n}, new int[] {n, 0, 1}, b.offset());
    TensorType flat = out.withShape(batch, m, n);
    DType t = out.dtype();
    String multiply =
        JavaScalarOps.render(
            ScalarOp.MUL, t, java.util.List.of(t, t), java.util.List.of("x0", "x1"));
    CpuTensor product = ElementwiseKernels.apply(multiply, new CpuTensor[] {left, right}, flat);
    return product.view(
        out.shape(), org.vmap4j.interpreter.Shapes.contiguousStrides(out.shape()), 0);
  }
}
