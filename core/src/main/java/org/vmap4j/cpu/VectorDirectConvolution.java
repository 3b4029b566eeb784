package org.vmap4j.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API sweep of {@link DirectConvolution}: for each vector of result positions, the sum
 * over every (channel, tap) of a weight times the padded plane shifted by the tap, for up to four
 * filters at once, the sums held in registers (one load of the plane feeds four multiply-adds).
 * Loaded only when the JVM has the Vector API module (see {@link Gemm#vectorApiInUse}).
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
      for (int p = 0; p < span; p += LANES) {
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
}
