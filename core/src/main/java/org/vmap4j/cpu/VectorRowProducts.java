package org.vmap4j.cpu;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link RowProducts} on the Vector API: a tile of 4 rows of A by 3 rows of B keeps 12 vector
 * accumulators in registers while both sets of rows stream past, so 7 loads feed 12 fused
 * multiply-adds; each accumulator is reduced across its lanes once, at the end of the row. Rows and
 * columns left over from the tiles take one dot product each. One copy per dtype (the Vector API
 * has no generic element type).
 *
 * <p>Only loaded when the JVM has {@code jdk.incubator.vector} (see {@link Gemm#VECTOR_API}).
 */
final class VectorRowProducts {
  private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
  private static final VectorSpecies<Double> DOUBLES = DoubleVector.SPECIES_PREFERRED;
  private static final int TILE_ROWS = 4;
  private static final int TILE_COLUMNS = 3;

  private VectorRowProducts() {}

  static void floats(
      float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, int m, int n, int k) {
    int mt = m - m % TILE_ROWS;
    int nt = n - n % TILE_COLUMNS;
    for (int i = 0; i < mt; i += TILE_ROWS) {
      for (int j = 0; j < nt; j += TILE_COLUMNS) {
        floatTile(a, aOff + i * k, b, bOff + j * k, c, cOff + i * n + j, n, k);
      }
    }
    for (int i = 0; i < m; i++) {
      for (int j = i < mt ? nt : 0; j < n; j++) {
        c[cOff + i * n + j] = floatDot(a, aOff + i * k, b, bOff + j * k, k);
      }
    }
  }

  /**
   * The same 4 x 3 register block as {@link VectorWindowDots}'s, kept apart on purpose: merged into
   * one tile with step tables it was 2-10% slower here (best calls of the patch products) and 4-16%
   * slower for the window dots (CPU time, alternating, loaded machine, 2026-12-07).
   */
  private static void floatTile(
      float[] a, int a0, float[] b, int b0, float[] c, int c0, int n, int k) {
    int lanes = FLOATS.length();
    int kv = k - k % lanes;
    int a1 = a0 + k;
    int a2 = a1 + k;
    int a3 = a2 + k;
    int b1 = b0 + k;
    int b2 = b1 + k;
    FloatVector s00 = FloatVector.zero(FLOATS);
    FloatVector s01 = FloatVector.zero(FLOATS);
    FloatVector s02 = FloatVector.zero(FLOATS);
    FloatVector s10 = FloatVector.zero(FLOATS);
    FloatVector s11 = FloatVector.zero(FLOATS);
    FloatVector s12 = FloatVector.zero(FLOATS);
    FloatVector s20 = FloatVector.zero(FLOATS);
    FloatVector s21 = FloatVector.zero(FLOATS);
    FloatVector s22 = FloatVector.zero(FLOATS);
    FloatVector s30 = FloatVector.zero(FLOATS);
    FloatVector s31 = FloatVector.zero(FLOATS);
    FloatVector s32 = FloatVector.zero(FLOATS);
    for (int p = 0; p < kv; p += lanes) {
      FloatVector y0 = FloatVector.fromArray(FLOATS, b, b0 + p);
      FloatVector y1 = FloatVector.fromArray(FLOATS, b, b1 + p);
      FloatVector y2 = FloatVector.fromArray(FLOATS, b, b2 + p);
      FloatVector x = FloatVector.fromArray(FLOATS, a, a0 + p);
      s00 = x.fma(y0, s00);
      s01 = x.fma(y1, s01);
      s02 = x.fma(y2, s02);
      x = FloatVector.fromArray(FLOATS, a, a1 + p);
      s10 = x.fma(y0, s10);
      s11 = x.fma(y1, s11);
      s12 = x.fma(y2, s12);
      x = FloatVector.fromArray(FLOATS, a, a2 + p);
      s20 = x.fma(y0, s20);
      s21 = x.fma(y1, s21);
      s22 = x.fma(y2, s22);
      x = FloatVector.fromArray(FLOATS, a, a3 + p);
      s30 = x.fma(y0, s30);
      s31 = x.fma(y1, s31);
      s32 = x.fma(y2, s32);
    }
    c[c0] = finish(s00, a, a0, b, b0, kv, k);
    c[c0 + 1] = finish(s01, a, a0, b, b1, kv, k);
    c[c0 + 2] = finish(s02, a, a0, b, b2, kv, k);
    c[c0 + n] = finish(s10, a, a1, b, b0, kv, k);
    c[c0 + n + 1] = finish(s11, a, a1, b, b1, kv, k);
    c[c0 + n + 2] = finish(s12, a, a1, b, b2, kv, k);
    c[c0 + 2 * n] = finish(s20, a, a2, b, b0, kv, k);
    c[c0 + 2 * n + 1] = finish(s21, a, a2, b, b1, kv, k);
    c[c0 + 2 * n + 2] = finish(s22, a, a2, b, b2, kv, k);
    c[c0 + 3 * n] = finish(s30, a, a3, b, b0, kv, k);
    c[c0 + 3 * n + 1] = finish(s31, a, a3, b, b1, kv, k);
    c[c0 + 3 * n + 2] = finish(s32, a, a3, b, b2, kv, k);
  }

  /** The lanes of {@code acc} summed, plus the scalar tail from {@code kv} to {@code k}. */
  private static float finish(
      FloatVector acc, float[] a, int ai, float[] b, int bi, int kv, int k) {
    float s = acc.reduceLanes(VectorOperators.ADD);
    for (int p = kv; p < k; p++) {
      s += a[ai + p] * b[bi + p];
    }
    return s;
  }

  private static float floatDot(float[] a, int ai, float[] b, int bi, int k) {
    int lanes = FLOATS.length();
    int kv = k - k % lanes;
    FloatVector acc = FloatVector.zero(FLOATS);
    for (int p = 0; p < kv; p += lanes) {
      acc =
          FloatVector.fromArray(FLOATS, a, ai + p)
              .fma(FloatVector.fromArray(FLOATS, b, bi + p), acc);
    }
    return finish(acc, a, ai, b, bi, kv, k);
  }

  static void doubles(
      double[] a, int aOff, double[] b, int bOff, double[] c, int cOff, int m, int n, int k) {
    int mt = m - m % TILE_ROWS;
    int nt = n - n % TILE_COLUMNS;
    for (int i = 0; i < mt; i += TILE_ROWS) {
      for (int j = 0; j < nt; j += TILE_COLUMNS) {
        doubleTile(a, aOff + i * k, b, bOff + j * k, c, cOff + i * n + j, n, k);
      }
    }
    for (int i = 0; i < m; i++) {
      for (int j = i < mt ? nt : 0; j < n; j++) {
        c[cOff + i * n + j] = doubleDot(a, aOff + i * k, b, bOff + j * k, k);
      }
    }
  }

  private static void doubleTile(
      double[] a, int a0, double[] b, int b0, double[] c, int c0, int n, int k) {
    int lanes = DOUBLES.length();
    int kv = k - k % lanes;
    int a1 = a0 + k;
    int a2 = a1 + k;
    int a3 = a2 + k;
    int b1 = b0 + k;
    int b2 = b1 + k;
    DoubleVector s00 = DoubleVector.zero(DOUBLES);
    DoubleVector s01 = DoubleVector.zero(DOUBLES);
    DoubleVector s02 = DoubleVector.zero(DOUBLES);
    DoubleVector s10 = DoubleVector.zero(DOUBLES);
    DoubleVector s11 = DoubleVector.zero(DOUBLES);
    DoubleVector s12 = DoubleVector.zero(DOUBLES);
    DoubleVector s20 = DoubleVector.zero(DOUBLES);
    DoubleVector s21 = DoubleVector.zero(DOUBLES);
    DoubleVector s22 = DoubleVector.zero(DOUBLES);
    DoubleVector s30 = DoubleVector.zero(DOUBLES);
    DoubleVector s31 = DoubleVector.zero(DOUBLES);
    DoubleVector s32 = DoubleVector.zero(DOUBLES);
    for (int p = 0; p < kv; p += lanes) {
      DoubleVector y0 = DoubleVector.fromArray(DOUBLES, b, b0 + p);
      DoubleVector y1 = DoubleVector.fromArray(DOUBLES, b, b1 + p);
      DoubleVector y2 = DoubleVector.fromArray(DOUBLES, b, b2 + p);
      DoubleVector x = DoubleVector.fromArray(DOUBLES, a, a0 + p);
      s00 = x.fma(y0, s00);
      s01 = x.fma(y1, s01);
      s02 = x.fma(y2, s02);
      x = DoubleVector.fromArray(DOUBLES, a, a1 + p);
      s10 = x.fma(y0, s10);
      s11 = x.fma(y1, s11);
      s12 = x.fma(y2, s12);
      x = DoubleVector.fromArray(DOUBLES, a, a2 + p);
      s20 = x.fma(y0, s20);
      s21 = x.fma(y1, s21);
      s22 = x.fma(y2, s22);
      x = DoubleVector.fromArray(DOUBLES, a, a3 + p);
      s30 = x.fma(y0, s30);
      s31 = x.fma(y1, s31);
      s32 = x.fma(y2, s32);
    }
    c[c0] = finish(s00, a, a0, b, b0, kv, k);
    c[c0 + 1] = finish(s01, a, a0, b, b1, kv, k);
    c[c0 + 2] = finish(s02, a, a0, b, b2, kv, k);
    c[c0 + n] = finish(s10, a, a1, b, b0, kv, k);
    c[c0 + n + 1] = finish(s11, a, a1, b, b1, kv, k);
    c[c0 + n + 2] = finish(s12, a, a1, b, b2, kv, k);
    c[c0 + 2 * n] = finish(s20, a, a2, b, b0, kv, k);
    c[c0 + 2 * n + 1] = finish(s21, a, a2, b, b1, kv, k);
    c[c0 + 2 * n + 2] = finish(s22, a, a2, b, b2, kv, k);
    c[c0 + 3 * n] = finish(s30, a, a3, b, b0, kv, k);
    c[c0 + 3 * n + 1] = finish(s31, a, a3, b, b1, kv, k);
    c[c0 + 3 * n + 2] = finish(s32, a, a3, b, b2, kv, k);
  }

  private static double finish(
      DoubleVector acc, double[] a, int ai, double[] b, int bi, int kv, int k) {
    double s = acc.reduceLanes(VectorOperators.ADD);
    for (int p = kv; p < k; p++) {
      s += a[ai + p] * b[bi + p];
    }
    return s;
  }

  private static double doubleDot(double[] a, int ai, double[] b, int bi, int k) {
    int lanes = DOUBLES.length();
    int kv = k - k % lanes;
    DoubleVector acc = DoubleVector.zero(DOUBLES);
    for (int p = 0; p < kv; p += lanes) {
      acc =
          DoubleVector.fromArray(DOUBLES, a, ai + p)
              .fma(DoubleVector.fromArray(DOUBLES, b, bi + p), acc);
    }
    return finish(acc, a, ai, b, bi, kv, k);
  }
}
