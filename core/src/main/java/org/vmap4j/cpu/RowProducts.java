package org.vmap4j.cpu;

import org.vmap4j.DType;

/**
 * Products of row-major matrices whose rows run along the shared dimension: {@code c[i, j] = a[i,
 * :] . b[j, :]} ({@code A Bᵀ}). Both operands are read along their rows, so no transpose is
 * materialized. It is the convolution's product when the window is large and the result small (a
 * filter gradient, whose window is a whole image): the filters {@code [O, rows]} times the patches
 * {@code [positions, rows]}. F32 and F64 run on {@link VectorRowProducts} where the JVM has the
 * Vector API module, otherwise on plain loops.
 */
final class RowProducts {
  private RowProducts() {}

  /**
   * {@code c[cOff + i * n + j] = a[aOff + i * k ..] . b[bOff + j * k ..]} for {@code i < m}, {@code
   * j < n}: rows of length k; c is overwritten.
   */
  static void into(
      DType dtype,
      Object a,
      int aOff,
      Object b,
      int bOff,
      Object c,
      int cOff,
      int m,
      int n,
      int k) {
    if (Gemm.VECTOR_API) {
      if (dtype == DType.F32) {
        VectorRowProducts.floats((float[]) a, aOff, (float[]) b, bOff, (float[]) c, cOff, m, n, k);
      } else {
        VectorRowProducts.doubles(
            (double[]) a, aOff, (double[]) b, bOff, (double[]) c, cOff, m, n, k);
      }
      return;
    }
    if (dtype == DType.F32) {
      float[] x = (float[]) a;
      float[] y = (float[]) b;
      float[] z = (float[]) c;
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
          z[cOff + i * n + j] = (float) dot(x, aOff + i * k, y, bOff + j * k, k);
        }
      }
    } else {
      double[] x = (double[]) a;
      double[] y = (double[]) b;
      double[] z = (double[]) c;
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
          z[cOff + i * n + j] = dot(x, aOff + i * k, y, bOff + j * k, k);
        }
      }
    }
  }

  /**
   * Four partial sums: HotSpot neither vectorizes nor reorders a floating-point reduction, so one
   * accumulator would wait on the adder's latency at every element.
   */
  private static double dot(float[] a, int ai, float[] b, int bi, int k) {
    float s0 = 0;
    float s1 = 0;
    float s2 = 0;
    float s3 = 0;
    int p = 0;
    for (; p + 3 < k; p += 4) {
      s0 += a[ai + p] * b[bi + p];
      s1 += a[ai + p + 1] * b[bi + p + 1];
      s2 += a[ai + p + 2] * b[bi + p + 2];
      s3 += a[ai + p + 3] * b[bi + p + 3];
    }
    for (; p < k; p++) {
      s0 += a[ai + p] * b[bi + p];
    }
    return (s0 + s1) + (s2 + s3);
  }

  private static double dot(double[] a, int ai, double[] b, int bi, int k) {
    double s0 = 0;
    double s1 = 0;
    double s2 = 0;
    double s3 = 0;
    int p = 0;
    for (; p + 3 < k; p += 4) {
      s0 += a[ai + p] * b[bi + p];
      s1 += a[ai + p + 1] * b[bi + p + 1];
      s2 += a[ai + p + 2] * b[bi + p + 2];
      s3 += a[ai + p + 3] * b[bi + p + 3];
    }
    for (; p < k; p++) {
      s0 += a[ai + p] * b[bi + p];
    }
    return (s0 + s1) + (s2 + s3);
  }
}
