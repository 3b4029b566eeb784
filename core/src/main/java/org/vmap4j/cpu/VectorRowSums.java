package org.vmap4j.cpu;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * F32 row sums, accumulated in F64, as the generated row loops of {@link Reductions} and {@link
 * FusedReductions} compute them, by lanes: element {@code j} of a row goes to double lane {@code j
 * % 8} of one vector (or of two 4-lane vectors), the tail to the first accumulator, and the eight
 * partial sums are combined in {@link Accumulators}' pairwise order, so the results are
 * bit-identical to the generated loops'. Each element is a row's value, its negation, or the float
 * product of two rows' values (a fused {@code sum(x * y)} or {@code sum(x * x)}), as the generated
 * loop computes it before widening.
 *
 * <p>Why: HotSpot 17 neither vectorizes the float-to-double widening nor a floating-point sum, so
 * the generated loops add about one element a cycle; one widening conversion and one vector add per
 * eight elements measured 2.4x faster (rows of 2051 floats, scratch loop, CPU time). F32 row sums
 * (GroupNorm's statistics and their gradients, the bias gradients) were about 17% of JFR samples of
 * the CNN's per-sample norms (docs/performance.md, "The CNN rows, kernel work"). Loaded only when
 * the JVM has the Vector API module.
 */
final class VectorRowSums {
  private static final VectorSpecies<Double> DOUBLES = VectorLanes.DOUBLES;
  // one vector shape for floats and doubles, as every generated loop (VectorLanes): a group of
  // floats widens into two double halves
  private static final VectorSpecies<Float> FLOATS = VectorLanes.FLOATS;
  private static final int LANES = DOUBLES.length();

  /** What is summed: a row's values, their negations, or their products with another row's. */
  enum Term {
    VALUE,
    NEGATED,
    PRODUCT
  }

  private VectorRowSums() {}

  /** Whether this machine's double lanes split the eight accumulators: 8 or 4 lanes. */
  static boolean applies() {
    return LANES == Accumulators.LANES || 2 * LANES == Accumulators.LANES;
  }

  /** {@code y[i]} = the sum of {@code x[off + i * length, off + (i + 1) * length)}. */
  static void sum(float[] x, int off, float[] y, int rows, int length) {
    sum(Term.VALUE, x, off, length, null, 0, 0, y, 0, rows, length);
  }

  /**
   * {@code y[i]} for {@code i} in {@code [rowFrom, rowTo)}: the sum over {@code j < length} of the
   * term of {@code a[aOff + i * aStride + j]} (and, for a product, {@code b[bOff + i * bStride +
   * j]}).
   */
  static void sum(
      Term term,
      float[] a,
      int aOff,
      int aStride,
      float[] b,
      int bOff,
      int bStride,
      float[] y,
      int rowFrom,
      int rowTo,
      int length) {
    double[] partial = new double[Accumulators.LANES];
    for (int i = rowFrom; i < rowTo; i++) {
      int ia = aOff + i * aStride;
      int ib = bOff + i * bStride;
      int j =
          LANES == Accumulators.LANES
              ? eightLanes(term, a, ia, b, ib, length, partial)
              : fourLanes(term, a, ia, b, ib, length, partial);
      for (; j < length; j++) {
        partial[0] += term(term, a, ia + j, b, ib + j);
      }
      y[i] =
          (float)
              (((partial[0] + partial[1]) + (partial[2] + partial[3]))
                  + ((partial[4] + partial[5]) + (partial[6] + partial[7])));
    }
  }

  /**
   * Whole groups of sixteen, each widened into two 8-lane halves added in turn to one accumulator
   * (elements {@code j..j+7}, then {@code j+8..j+15}: each lane's order of the generated loop),
   * then one group of eight, if left, lane by lane; returns the first element not summed.
   */
  private static int eightLanes(
      Term term, float[] a, int ia, float[] b, int ib, int length, double[] partial) {
    DoubleVector acc = DoubleVector.zero(DOUBLES);
    int j = 0;
    for (; j <= length - 16; j += 16) {
      FloatVector v = terms(term, a, ia + j, b, ib + j);
      acc = acc.add(v.convertShape(VectorOperators.F2D, DOUBLES, 0));
      acc = acc.add(v.convertShape(VectorOperators.F2D, DOUBLES, 1));
    }
    acc.intoArray(partial, 0);
    if (j <= length - 8) {
      for (int k = 0; k < 8; k++) {
        partial[k] += term(term, a, ia + j + k, b, ib + j + k);
      }
      j += 8;
    }
    return j;
  }

  /**
   * Groups of eight with 4-lane doubles: each group widened into two halves, elements 0-3 into one
   * accumulator and 4-7 into the other.
   */
  private static int fourLanes(
      Term term, float[] a, int ia, float[] b, int ib, int length, double[] partial) {
    DoubleVector low = DoubleVector.zero(DOUBLES);
    DoubleVector high = DoubleVector.zero(DOUBLES);
    int j = 0;
    for (; j <= length - 8; j += 8) {
      FloatVector v = terms(term, a, ia + j, b, ib + j);
      low = low.add(v.convertShape(VectorOperators.F2D, DOUBLES, 0));
      high = high.add(v.convertShape(VectorOperators.F2D, DOUBLES, 1));
    }
    low.intoArray(partial, 0);
    high.intoArray(partial, 4);
    return j;
  }

  /** One group of terms at {@code a[ia]} (and {@code b[ib]}) onward, computed in float. */
  private static FloatVector terms(Term term, float[] a, int ia, float[] b, int ib) {
    FloatVector v = FloatVector.fromArray(FLOATS, a, ia);
    if (term == Term.NEGATED) {
      return v.neg();
    }
    return term == Term.PRODUCT ? v.mul(FloatVector.fromArray(FLOATS, b, ib)) : v;
  }

  /** One term, in float, as the generated loop computes it before widening. */
  private static float term(Term term, float[] a, int i, float[] b, int k) {
    return switch (term) {
      case VALUE -> a[i];
      case NEGATED -> -a[i];
      case PRODUCT -> a[i] * b[k];
    };
  }
}
