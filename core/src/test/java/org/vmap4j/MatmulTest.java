package org.vmap4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** matmul and dot with NumPy semantics against a triple loop. */
class MatmulTest {
  @Provide
  Arbitrary<DType> floating() {
    return Arbitraries.of(DType.F32, DType.F64);
  }

  /** out[b, i, j] = sum_k a[b, i, k] * c[b, k, j], batch broadcast by the caller's shapes. */
  static double[] reference(double[] a, int batchA, double[] c, int batchC, int m, int k, int n) {
    int batch = Math.max(batchA, batchC);
    double[] out = new double[batch * m * n];
    for (int b = 0; b < batch; b++) {
      int ba = batchA == 1 ? 0 : b;
      int bc = batchC == 1 ? 0 : b;
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
          double s = 0;
          for (int p = 0; p < k; p++) {
            s += a[(ba * m + i) * k + p] * c[(bc * k + p) * n + j];
          }
          out[(b * m + i) * n + j] = s;
        }
      }
    }
    return out;
  }

  @Property(tries = 150)
  void batchedMatmulMatchesLoops(
      @ForAll @IntRange(min = 1, max = 3) int batch,
      @ForAll boolean broadcastLeft,
      @ForAll @IntRange(min = 1, max = 9) int m,
      @ForAll @IntRange(min = 0, max = 9) int k,
      @ForAll @IntRange(min = 1, max = 9) int n,
      @ForAll("floating") DType dtype,
      @ForAll boolean transposedRight,
      @ForAll long seed) {
    int batchA = broadcastLeft ? 1 : batch;
    double[] a = Reference.randomData(seed, batchA * m * k);
    double[] c = Reference.randomData(seed + 7, batch * k * n);
    Tensor ta = Reference.tensor(a, new int[] {batchA, m, k}, dtype);
    Tensor tc =
        transposedRight
            ? Reference.tensor(transposeLast(c, batch, k, n), new int[] {batch, n, k}, dtype)
                .permute(0, 2, 1)
            : Reference.tensor(c, new int[] {batch, k, n}, dtype);
    Tensor out = ta.matmul(tc);
    assertThat(out.shape()).containsExactly(batch, m, n);
    double[] want = reference(ta.toDoubleArray(), batchA, tc.toDoubleArray(), batch, m, k, n);
    double[] got = out.toDoubleArray();
    for (int i = 0; i < got.length; i++) {
      assertThat(got[i])
          .isCloseTo(want[i], within(Reference.tolerance(dtype) * 10 * Math.max(1, k)));
    }
  }

  private static double[] transposeLast(double[] c, int batch, int k, int n) {
    double[] t = new double[c.length];
    for (int b = 0; b < batch; b++) {
      for (int p = 0; p < k; p++) {
        for (int j = 0; j < n; j++) {
          t[(b * n + j) * k + p] = c[(b * k + p) * n + j];
        }
      }
    }
    return t;
  }

  @Test
  void largeProductCrossesTheCacheBlocks() {
    int m = 70;
    int k = 300;
    int n = 1100;
    double[] a = Reference.randomData(1, m * k);
    double[] c = Reference.randomData(2, k * n);
    Tensor out = Tensor.of(a, m, k).matmul(Tensor.of(c, k, n));
    double[] want = reference(a, 1, c, 1, m, k, n);
    assertThat(out.allClose(Tensor.of(want, m, n), 1e-12, 1e-9)).isTrue();
  }

  @Test
  void largeF32ProductOnTheVectorKernelCrossesDepthBlocksAndPanelTails() {
    // the build runs tests with the Vector API module, so F32 products take VectorGemm
    assertThat(org.vmap4j.cpu.Gemm.vectorApiInUse()).isTrue();
    int m = 67;
    int k = 531;
    int n = 1037;
    double[] a = Reference.randomData(3, m * k);
    double[] c = Reference.randomData(4, k * n);
    Tensor out = Tensor.of(a, m, k).astype(DType.F32).matmul(Tensor.of(c, k, n).astype(DType.F32));
    double[] want =
        reference(
            Tensor.of(a).astype(DType.F32).toDoubleArray(),
            1,
            Tensor.of(c).astype(DType.F32).toDoubleArray(),
            1,
            m,
            k,
            n);
    assertThat(out.allClose(Tensor.of(want, m, n), 1e-4, 1e-3)).isTrue();
  }

  /**
   * Small products of long rows with the right operand stored along the contracted axis (a Gram
   * matrix per example: {@code X Xᵀ}), the shape DotGeneral computes as dot products of rows, rows
   * and columns left over from the 4 x 3 tiles included.
   */
  @Property(tries = 20)
  void batchedProductsOfRowsMatchLoops(
      @ForAll("floating") DType dtype,
      @ForAll @IntRange(min = 1, max = 3) int batch,
      @ForAll @IntRange(min = 1, max = 64) int m,
      @ForAll @IntRange(min = 1, max = 64) int n,
      @ForAll @IntRange(min = 64, max = 300) int k) {
    double[] a = Reference.randomData(5, batch * m * k);
    double[] rows = Reference.randomData(6, batch * n * k);
    double[] c = new double[batch * k * n]; // the rows transposed: [batch, k, n]
    for (int b = 0; b < batch; b++) {
      for (int j = 0; j < n; j++) {
        for (int p = 0; p < k; p++) {
          c[(b * k + p) * n + j] = rows[(b * n + j) * k + p];
        }
      }
    }
    Tensor right = Tensor.of(rows, batch, n, k).astype(dtype).permute(0, 2, 1);
    Tensor out = Tensor.of(a, batch, m, k).astype(dtype).matmul(right);
    double[] want =
        reference(
            Tensor.of(a).astype(dtype).toDoubleArray(),
            batch,
            Tensor.of(c).astype(dtype).toDoubleArray(),
            batch,
            m,
            k,
            n);
    double tol = dtype == DType.F32 ? 1e-3 : 1e-9;
    assertThat(out.allClose(Tensor.of(want, batch, m, n), tol, tol)).isTrue();
  }

  @Test
  void vectorOperandsFollowNumPy() {
    Tensor v = Tensor.of(new double[] {1, 2, 3});
    Tensor m = Tensor.of(new double[] {1, 0, 0, 1, 1, 1}, 3, 2);
    assertThat(v.dot(v).item()).isEqualTo(14);
    assertThat(v.dot(v).ndim()).isZero();
    assertThat(v.matmul(m).shape()).containsExactly(2);
    assertThat(v.matmul(m).toDoubleArray()).containsExactly(4, 5);
    assertThat(m.transpose().matmul(v).toDoubleArray()).containsExactly(4, 5);
    Tensor batched = Tensor.stack(0, m, m.mul(2));
    assertThat(v.matmul(batched).shape()).containsExactly(2, 2);
    assertThat(v.matmul(batched).toDoubleArray()).containsExactly(4, 5, 8, 10);
  }

  @Test
  void misalignedShapesAreNamed() {
    assertThatThrownBy(() -> Tensor.zeros(DType.F32, 2, 3).matmul(Tensor.zeros(DType.F32, 4, 5)))
        .hasMessageContaining("[2,3]")
        .hasMessageContaining("[4,5]")
        .hasMessageContaining("not aligned");
    assertThatThrownBy(() -> Tensor.zeros(DType.F32, 2, 3).dot(Tensor.zeros(DType.F32, 3)))
        .hasMessageContaining("dot needs two vectors");
  }
}
