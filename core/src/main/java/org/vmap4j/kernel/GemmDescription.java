package org.vmap4j.kernel;

import org.vmap4j.DType;

/**
 * One batched matrix product as every backend sees it: {@code C[b, i, j] = sum_p A(b, i, p) * B(b,
 * p, j)} for {@code b < batch, i < m, j < n, p < k}, where each operand is read through its own
 * element strides ({@link Operand}) and C is a fresh row-major {@code [batch, m, n]} array. A
 * {@code dot_general} states itself as a {@link Contraction}, which says which of its operands'
 * dimensions become batch, m, n and k; {@link Contraction#onto} turns that and the operands'
 * layouts into this description, or says why it cannot. Backends render it: the CPU through its
 * micro-kernels ({@code cpu.Gemm}), the GPU through cuBLAS or its own PTX ({@code GemmPtx}).
 *
 * @param dtype the element type of A, B and C
 * @param a the left operand; its free dimension has length m
 * @param b the right operand; its free dimension has length n
 */
public record GemmDescription(DType dtype, int batch, int m, int n, int k, Operand a, Operand b) {

  /**
   * How one operand is read: element {@code (b, f, p)} (batch, free, contracted) is at {@code
   * offset + b * batchStride + f * freeStride + p * contractStride}.
   */
  public record Operand(long offset, long batchStride, long freeStride, long contractStride) {
    /**
     * Whether the operand is a packed row-major array with the contracted index innermost ({@code
     * [batch, free, k]}, A's usual layout). Strides along dimensions of length 1 do not matter.
     */
    public boolean contractInnermost(int batch, int free, int k) {
      return (k <= 1 || contractStride == 1)
          && (free <= 1 || freeStride == k)
          && (batch <= 1 || batchStride == (long) free * k);
    }

    /**
     * Whether the operand is a packed row-major array with the free index innermost ({@code [batch,
     * k, free]}, B's usual layout). Strides along dimensions of length 1 do not matter.
     */
    public boolean freeInnermost(int batch, int free, int k) {
      return (free <= 1 || freeStride == 1)
          && (k <= 1 || contractStride == free)
          && (batch <= 1 || batchStride == (long) free * k);
    }
  }

  public GemmDescription {
    if (batch < 0 || m < 0 || n < 0 || k < 0) {
      throw new IllegalArgumentException(
          "a GEMM has non-negative sizes, got batch=" + batch + " m=" + m + " n=" + n + " k=" + k);
    }
  }

  /**
   * The product of packed row-major operands: A is {@code [batch, m, k]} from {@code aOffset}, B
   * {@code [batch, k, n]} from {@code bOffset}.
   */
  public static GemmDescription rowMajor(
      DType dtype, int batch, int m, int n, int k, long aOffset, long bOffset) {
    return new GemmDescription(
        dtype,
        batch,
        m,
        n,
        k,
        new Operand(aOffset, (long) m * k, k, 1),
        new Operand(bOffset, (long) k * n, 1, n));
  }

  /**
   * Whether both operands are packed row-major arrays, A {@code [batch, m, k]} and B {@code [batch,
   * k, n]}: the layout the CPU's micro-kernels read. A product with an empty extent reads no
   * operand element, so any layout serves it.
   */
  public boolean rowMajorOperands() {
    return multiplyAdds() == 0 || a.contractInnermost(batch, m, k) && b.freeInnermost(batch, n, k);
  }

  /** Multiply-adds it performs. */
  public long multiplyAdds() {
    return (long) batch * m * n * k;
  }

  /** For logs: e.g. {@code f32 batch=1 m=512 n=256 k=256}. */
  public String describe() {
    return dtype.shortName() + " batch=" + batch + " m=" + m + " n=" + n + " k=" + k;
  }
}
