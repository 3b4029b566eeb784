package org.vmap4j.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API sweep of {@link DirectConvolution}: for each vector of result positions, the sum
 * over every (channel, tap) of a weight times the padded plane shifted by the tap, for up to four
 * filters at once, the sums held in registers: four filters by four vectors where the span allows
 * (four plane loads and four weight broadcasts feed 16 multiply-adds), then four filters by one
 * vector (one load feeds four). Loaded only when the JVM has the Vector API module (see {@link
 * Gemm#vectorApiInUse}).
 */
final class VectorDirectConvolution {
  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

  static final int LANES = SPECIES.length();

  private VectorDirectConvolution() {}

  /**
   * {@code acc[f * stride + p] = sum over t of w[(first + f) * taps + t] * plane[shifts[t] + p]}
   * for filters f below {@code count} (at most 4) and p below {@code span} rounded up to whole
   * vectors; {@code plane} must be readable that far past every shift.
   */
  static void sweep(
      float[] plane,
      int[] shifts,
      float[] w,
      int first,
      int count,
      float[] acc,
      int stride,
      int span) {
    int taps = shifts.length;
    int w0 = first * taps;
    if (count == 4) {
      int w1 = w0 + taps;
      int w2 = w1 + taps;
      int w3 = w2 + taps;
      int p = 0;
      for (; p + 4 * LANES <= span; p += 4 * LANES) {
        fourByFour(plane, shifts, w, w0, taps, acc, stride, p);
      }
      for (; p < span; p += LANES) {
        FloatVector a0 = FloatVector.zero(SPECIES);
        FloatVector a1 = FloatVector.zero(SPECIES);
        FloatVector a2 = FloatVector.zero(SPECIES);
        FloatVector a3 = FloatVector.zero(SPECIES);
        for (int t = 0; t < taps; t++) {
          FloatVector v = FloatVector.fromArray(SPECIES, plane, shifts[t] + p);
          a0 = v.fma(FloatVector.broadcast(SPECIES, w[w0 + t]), a0);
          a1 = v.fma(FloatVector.broadcast(SPECIES, w[w1 + t]), a1);
          a2 = v.fma(FloatVector.broadcast(SPECIES, w[w2 + t]), a2);
          a3 = v.fma(FloatVector.broadcast(SPECIES, w[w3 + t]), a3);
        }
        a0.intoArray(acc, p);
        a1.intoArray(acc, stride + p);
        a2.intoArray(acc, 2 * stride + p);
        a3.intoArray(acc, 3 * stride + p);
      }
      return;
    }
    for (int f = 0; f < count; f++) {
      int wf = w0 + f * taps;
      for (int p = 0; p < span; p += LANES) {
        FloatVector a = FloatVector.zero(SPECIES);
        for (int t = 0; t < taps; t++) {
          FloatVector v = FloatVector.fromArray(SPECIES, plane, shifts[t] + p);
          a = v.fma(FloatVector.broadcast(SPECIES, w[wf + t]), a);
        }
        a.intoArray(acc, f * stride + p);
      }
    }
  }

  /**
   * Four filters by four vectors of result positions from {@code p}: 16 sums in registers, so that
   * each tap's four plane loads and four weight broadcasts feed 16 multiply-adds (the one-vector
   * block above needs a load per four).
   */
  private static void fourByFour(
      float[] plane, int[] shifts, float[] w, int w0, int taps, float[] acc, int stride, int p) {
    int w1 = w0 + taps;
    int w2 = w1 + taps;
    int w3 = w2 + taps;
    FloatVector a00 = FloatVector.zero(SPECIES);
    FloatVector a01 = FloatVector.zero(SPECIES);
    FloatVector a02 = FloatVector.zero(SPECIES);
    FloatVector a03 = FloatVector.zero(SPECIES);
    FloatVector a10 = FloatVector.zero(SPECIES);
    FloatVector a11 = FloatVector.zero(SPECIES);
    FloatVector a12 = FloatVector.zero(SPECIES);
    FloatVector a13 = FloatVector.zero(SPECIES);
    FloatVector a20 = FloatVector.zero(SPECIES);
    FloatVector a21 = FloatVector.zero(SPECIES);
    FloatVector a22 = FloatVector.zero(SPECIES);
    FloatVector a23 = FloatVector.zero(SPECIES);
    FloatVector a30 = FloatVector.zero(SPECIES);
    FloatVector a31 = FloatVector.zero(SPECIES);
    FloatVector a32 = FloatVector.zero(SPECIES);
    FloatVector a33 = FloatVector.zero(SPECIES);
    for (int t = 0; t < taps; t++) {
      int at = shifts[t] + p;
      FloatVector v0 = FloatVector.fromArray(SPECIES, plane, at);
      FloatVector v1 = FloatVector.fromArray(SPECIES, plane, at + LANES);
      FloatVector v2 = FloatVector.fromArray(SPECIES, plane, at + 2 * LANES);
      FloatVector v3 = FloatVector.fromArray(SPECIES, plane, at + 3 * LANES);
      FloatVector b = FloatVector.broadcast(SPECIES, w[w0 + t]);
      a00 = v0.fma(b, a00);
      a01 = v1.fma(b, a01);
      a02 = v2.fma(b, a02);
      a03 = v3.fma(b, a03);
      b = FloatVector.broadcast(SPECIES, w[w1 + t]);
      a10 = v0.fma(b, a10);
      a11 = v1.fma(b, a11);
      a12 = v2.fma(b, a12);
      a13 = v3.fma(b, a13);
      b = FloatVector.broadcast(SPECIES, w[w2 + t]);
      a20 = v0.fma(b, a20);
      a21 = v1.fma(b, a21);
      a22 = v2.fma(b, a22);
      a23 = v3.fma(b, a23);
      b = FloatVector.broadcast(SPECIES, w[w3 + t]);
      a30 = v0.fma(b, a30);
      a31 = v1.fma(b, a31);
      a32 = v2.fma(b, a32);
      a33 = v3.fma(b, a33);
    }
    store(acc, p, a00, a01, a02, a03);
    store(acc, stride + p, a10, a11, a12, a13);
    store(acc, 2 * stride + p, a20, a21, a22, a23);
    store(acc, 3 * stride + p, a30, a31, a32, a33);
  }

  private static void store(
      float[] acc, int at, FloatVector v0, FloatVector v1, FloatVector v2, FloatVector v3) {
    v0.intoArray(acc, at);
    v1.intoArray(acc, at + LANES);
    v2.intoArray(acc, at + 2 * LANES);
    v3.intoArray(acc, at + 3 * LANES);
  }
}
