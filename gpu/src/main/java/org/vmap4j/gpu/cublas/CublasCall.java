package org.vmap4j.gpu.cublas;

import org.vmap4j.kernel.GemmDescription;

/**
 * One {@link GemmDescription} as the arguments of cuBLAS's column-major {@code
 * cublas[SD]gemmStridedBatched}. cuBLAS sees our row-major {@code C[b] = A[b]·B[b]} transposed:
 * {@code Cᵀ = Bᵀ·Aᵀ}, with {@code Cᵀ} (n×m, column-major, leading dimension n) being exactly our
 * contiguous row-major C. Each operand must have unit stride along one of its two dimensions (the
 * other stride is then the leading dimension); which one decides whether cuBLAS transposes it.
 * Operands strided along both dimensions (possible after vmap) cannot be expressed: {@link #of}
 * returns null and the step keeps our own GEMM. Pure, so the mapping is tested without a GPU.
 *
 * @param transX whether cuBLAS transposes its first operand X (our B)
 * @param transY whether cuBLAS transposes its second operand Y (our A)
 * @param rows rows of cuBLAS's result (our n)
 * @param cols columns of cuBLAS's result (our m)
 * @param depth the contracted length k
 * @param ldx leading dimension of X (our B)
 * @param strideX elements between consecutive batches of X
 * @param ldy leading dimension of Y (our A)
 * @param strideY elements between consecutive batches of Y
 * @param ldc leading dimension of the result
 * @param strideC elements between consecutive batches of the result
 * @param batch number of products
 */
public record CublasCall(
    boolean transX,
    boolean transY,
    int rows,
    int cols,
    int depth,
    int ldx,
    long strideX,
    int ldy,
    long strideY,
    int ldc,
    long strideC,
    int batch) {

  /** The cuBLAS call computing {@code s}, or null when cuBLAS cannot express it. */
  public static CublasCall of(GemmDescription g) {
    if (g.k() == 0 || (long) g.batch() * g.m() * g.n() == 0) {
      return null; // nothing to multiply: our kernel writes the zeros (or nothing)
    }
    if (g.a().offset() != 0 || g.b().offset() != 0) {
      return null; // the call passes the buffers' start addresses
    }
    GemmStrides s = new GemmStrides(g);
    // X = our B: X(j, l) = B[l·bRow + j·bCol]; untransposed X has j (length n) inner
    Layout x = Layout.of(s.bCol(), s.n(), s.bRow(), s.k(), false);
    if (x == null) {
      x = Layout.of(s.bRow(), s.k(), s.bCol(), s.n(), true);
    }
    // Y = our A: Y(l, i) = A[i·aRow + l·aCol]; untransposed Y has l (length k) inner
    Layout y = Layout.of(s.aCol(), s.k(), s.aRow(), s.m(), false);
    if (y == null) {
      y = Layout.of(s.aRow(), s.m(), s.aCol(), s.k(), true);
    }
    if (x == null || y == null) {
      return null;
    }
    return new CublasCall(
        x.transposed,
        y.transposed,
        s.n(),
        s.m(),
        s.k(),
        x.ld,
        s.bBatch(),
        y.ld,
        s.aBatch(),
        s.n(),
        (long) s.m() * s.n(),
        s.batch());
  }

  /** The description's strides under the names of A's and B's rows and columns. */
  private record GemmStrides(
      int m,
      int n,
      int k,
      int batch,
      long aBatch,
      long aRow,
      long aCol,
      long bBatch,
      long bRow,
      long bCol) {
    GemmStrides(GemmDescription g) {
      this(
          g.m(),
          g.n(),
          g.k(),
          g.batch(),
          g.a().batchStride(),
          g.a().freeStride(),
          g.a().contractStride(),
          g.b().batchStride(),
          g.b().contractStride(),
          g.b().freeStride());
    }
  }

  /** A column-major view: the inner dimension has unit stride, the outer one stride {@code ld}. */
  private record Layout(int ld, boolean transposed) {
    static Layout of(
        long innerStride, int innerLength, long outerStride, int outerLength, boolean transposed) {
      if (innerLength > 1 && innerStride != 1) {
        return null;
      }
      long ld = outerLength > 1 ? outerStride : Math.max(1, innerLength);
      // cuBLAS requires ld >= the stored matrix's row count, which is the inner length
      if (ld < Math.max(1, innerLength) || ld > Integer.MAX_VALUE) {
        return null;
      }
      return new Layout((int) ld, transposed);
    }
  }
}
