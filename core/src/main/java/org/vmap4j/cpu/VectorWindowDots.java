package org.vmap4j.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API dot products of {@link WindowDotConvolution}: result element {@code (f, i, j)} is
 * the dot product of filter f {@code [C, KH, KW]} with the padded plane {@code [C, Hp, Wp]} from
 * row i, column j. Four filters by three result columns are summed at once in twelve vector
 * registers, so that each step's four filter loads and three plane loads feed twelve multiply-adds;
 * leftover filters and columns take one dot product at a time, and window rows that are not a whole
 * number of vectors end in a scalar tail. Loaded only when the JVM has the Vector API module.
 */
final class VectorWindowDots {
  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  private static final int LANES = SPECIES.length();

  private VectorWindowDots() {}

  /**
   * The sizes one pair's dot products share, and the steps of every dot product: step t reads one
   * vector of the filter at {@code filterSteps[t]} and of the plane at {@code planeSteps[t]} (from
   * the filter's and the result position's start), for every channel, window row and whole vector
   * along the window row; the scalar tail steps cover the rest of each window row. One flat loop
   * over the steps, not nested loops over channels, rows and vectors: with the twelve sums carried
   * through three nested loops HotSpot 17 ran this kernel about ten times slower (the sums were
   * evidently not kept in registers; measured on the CNN's filter gradient).
   */
  record Shape(
      int channels,
      int kh,
      int kw,
      int hp,
      int wp,
      int outH,
      int outW,
      int[] filterSteps,
      int[] planeSteps,
      int[] filterTail,
      int[] planeTail) {
    static Shape of(int channels, int kh, int kw, int hp, int wp, int outH, int outW) {
      int kv = kw - kw % LANES;
      int vectors = kv / LANES;
      int tail = kw - kv;
      int[] filterSteps = new int[channels * kh * vectors];
      int[] planeSteps = new int[filterSteps.length];
      int[] filterTail = new int[channels * kh * tail];
      int[] planeTail = new int[filterTail.length];
      int t = 0;
      int u = 0;
      for (int c = 0; c < channels; c++) {
        for (int r = 0; r < kh; r++) {
          int filterRow = (c * kh + r) * kw;
          int planeRow = (c * hp + r) * wp;
          for (int v = 0; v < kv; v += LANES, t++) {
            filterSteps[t] = filterRow + v;
            planeSteps[t] = planeRow + v;
          }
          for (int v = kv; v < kw; v++, u++) {
            filterTail[u] = filterRow + v;
            planeTail[u] = planeRow + v;
          }
        }
      }
      return new Shape(
          channels, kh, kw, hp, wp, outH, outW, filterSteps, planeSteps, filterTail, planeTail);
    }
  }

  /**
   * {@code y[yOff + (f * outH + i) * outW + j] = filter f . plane under (i, j)} for filters f below
   * {@code count}, filter f starting at {@code w[wOff + f * C * KH * KW]}.
   */
  static void dots(float[] plane, float[] w, int wOff, int count, Shape s, float[] y, int yOff) {
    int filterSize = s.channels() * s.kh() * s.kw();
    int resultPlane = s.outH() * s.outW();
    int f = 0;
    for (; f + 4 <= count; f += 4) {
      for (int i = 0; i < s.outH(); i++) {
        int j = 0;
        for (; j + 3 <= s.outW(); j += 3) {
          fourByThree(
              plane,
              i * s.wp() + j,
              w,
              wOff + f * filterSize,
              filterSize,
              s,
              y,
              yOff + f * resultPlane + i * s.outW() + j,
              resultPlane);
        }
        for (; j < s.outW(); j++) {
          for (int q = f; q < f + 4; q++) {
            y[yOff + q * resultPlane + i * s.outW() + j] =
                dot(plane, i * s.wp() + j, w, wOff + q * filterSize, s);
          }
        }
      }
    }
    for (; f < count; f++) {
      for (int i = 0; i < s.outH(); i++) {
        for (int j = 0; j < s.outW(); j++) {
          y[yOff + f * resultPlane + i * s.outW() + j] =
              dot(plane, i * s.wp() + j, w, wOff + f * filterSize, s);
        }
      }
    }
  }

  /** One filter (from {@code w[wf]}) dotted with the plane from {@code at}. */
  private static float dot(float[] plane, int at, float[] w, int wf, Shape s) {
    int[] filterSteps = s.filterSteps();
    int[] planeSteps = s.planeSteps();
    FloatVector acc = FloatVector.zero(SPECIES);
    for (int t = 0; t < filterSteps.length; t++) {
      acc =
          FloatVector.fromArray(SPECIES, w, wf + filterSteps[t])
              .fma(FloatVector.fromArray(SPECIES, plane, at + planeSteps[t]), acc);
    }
    float sum = acc.reduceLanes(VectorOperators.ADD);
    int[] filterTail = s.filterTail();
    int[] planeTail = s.planeTail();
    for (int u = 0; u < filterTail.length; u++) {
      sum += w[wf + filterTail[u]] * plane[at + planeTail[u]];
    }
    return sum;
  }

  /**
   * Filters f0..f0+3 (from {@code w[wf]}, {@code filterSize} apart) with the plane from {@code at},
   * {@code at + 1} and {@code at + 2}, written to {@code y[yAt + f * resultPlane + jj]}.
   *
   * <p>The same 4 x 3 register block as {@link VectorRowProducts}'s float tile, kept apart on
   * purpose: one shared tile (row strides as parameters, the row products' contiguous steps as step
   * tables) gave the same sums but was slower on both sides, best calls 4-16% here and 2-10% for
   * the patch products (CPU time, alternating, loaded machine, 2026-12-07; #16 D1).
   */
  private static void fourByThree(
      float[] plane,
      int at,
      float[] w,
      int wf,
      int filterSize,
      Shape s,
      float[] y,
      int yAt,
      int resultPlane) {
    int[] filterSteps = s.filterSteps();
    int[] planeSteps = s.planeSteps();
    int w1 = wf + filterSize;
    int w2 = w1 + filterSize;
    int w3 = w2 + filterSize;
    FloatVector a00 = FloatVector.zero(SPECIES);
    FloatVector a01 = FloatVector.zero(SPECIES);
    FloatVector a02 = FloatVector.zero(SPECIES);
    FloatVector a10 = FloatVector.zero(SPECIES);
    FloatVector a11 = FloatVector.zero(SPECIES);
    FloatVector a12 = FloatVector.zero(SPECIES);
    FloatVector a20 = FloatVector.zero(SPECIES);
    FloatVector a21 = FloatVector.zero(SPECIES);
    FloatVector a22 = FloatVector.zero(SPECIES);
    FloatVector a30 = FloatVector.zero(SPECIES);
    FloatVector a31 = FloatVector.zero(SPECIES);
    FloatVector a32 = FloatVector.zero(SPECIES);
    for (int t = 0; t < filterSteps.length; t++) {
      int p = at + planeSteps[t];
      int q = filterSteps[t];
      FloatVector p0 = FloatVector.fromArray(SPECIES, plane, p);
      FloatVector p1 = FloatVector.fromArray(SPECIES, plane, p + 1);
      FloatVector p2 = FloatVector.fromArray(SPECIES, plane, p + 2);
      FloatVector f = FloatVector.fromArray(SPECIES, w, wf + q);
      a00 = f.fma(p0, a00);
      a01 = f.fma(p1, a01);
      a02 = f.fma(p2, a02);
      f = FloatVector.fromArray(SPECIES, w, w1 + q);
      a10 = f.fma(p0, a10);
      a11 = f.fma(p1, a11);
      a12 = f.fma(p2, a12);
      f = FloatVector.fromArray(SPECIES, w, w2 + q);
      a20 = f.fma(p0, a20);
      a21 = f.fma(p1, a21);
      a22 = f.fma(p2, a22);
      f = FloatVector.fromArray(SPECIES, w, w3 + q);
      a30 = f.fma(p0, a30);
      a31 = f.fma(p1, a31);
      a32 = f.fma(p2, a32);
    }
    store(y, yAt, a00, a01, a02);
    store(y, yAt + resultPlane, a10, a11, a12);
    store(y, yAt + 2 * resultPlane, a20, a21, a22);
    store(y, yAt + 3 * resultPlane, a30, a31, a32);
    int[] filterTail = s.filterTail();
    int[] planeTail = s.planeTail();
    for (int u = 0; u < filterTail.length; u++) {
      int p = at + planeTail[u];
      for (int f = 0; f < 4; f++) {
        float wv = w[wf + f * filterSize + filterTail[u]];
        int to = yAt + f * resultPlane;
        y[to] += wv * plane[p];
        y[to + 1] += wv * plane[p + 1];
        y[to + 2] += wv * plane[p + 2];
      }
    }
  }

  private static void store(float[] y, int at, FloatVector v0, FloatVector v1, FloatVector v2) {
    y[at] = v0.reduceLanes(VectorOperators.ADD);
    y[at + 1] = v1.reduceLanes(VectorOperators.ADD);
    y[at + 2] = v2.reduceLanes(VectorOperators.ADD);
  }
}
