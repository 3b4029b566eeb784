package org.vmap4j.cpu;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * F32 row sums, accumulated in F64, as {@link Reductions}' generated row loop computes them, by
 * lanes: element {@code j} of a row goes to double lane {@code j % 8} of one vector (or of two
 * 4-lane vectors), the tail to the first accumulator, and the eight partial sums are combined in
 * {@link Accumulators}' pairwise order, so the results are bit-identical to the generated loop's.
 *
 * <p>Why: HotSpot 17 neither vectorizes the float-to-double widening nor a floating-point sum, so
 * the generated loop adds about one element a cycle; one widening conversion and one vector add per
 * eight elements measured 2.4x faster (rows of 2051 floats, scratch loop, CPU time). Plain F32 row
 * sums (GroupNorm's statistics and the bias gradients) were the CNN's largest generated reduction,
 * about 7% of JFR samples of its per-sample norms (docs/performance.md, "The CNN rows, kernel
 * work"). Loaded only when the JVM has the Vector API module.
 */
final class VectorRowSums {
  private static final VectorSpecies<Double> DOUBLES = VectorLanes.DOUBLES;
  private static final VectorSpecies<Float> FLOATS = VectorLanes.FLOATS_BESIDE_DOUBLES;
  private static final int LANES = DOUBLES.length();

  private VectorRowSums() {}

  /** Whether this machine's double lanes split the eight accumulators: 8 or 4 lanes. */
  static boolean applies() {
    return LANES == Accumulators.LANES || 2 * LANES == Accumulators.LANES;
  }

  /** {@code y[i]} = the sum of {@code x[off + i * length, off + (i + 1) * length)}. */
  static void sum(float[] x, int off, float[] y, int rows, int length) {
    double[] partial = new double[Accumulators.LANES];
    for (int i = 0; i < rows; i++) {
      int b = off + i * length;
      int j =
          LANES == Accumulators.LANES
              ? eightLanes(x, b, length, partial)
              : fourLanes(x, b, length, partial);
      for (; j < length; j++) {
        partial[0] += x[b + j];
      }
      y[i] =
          (float)
              (((partial[0] + partial[1]) + (partial[2] + partial[3]))
                  + ((partial[4] + partial[5]) + (partial[6] + partial[7])));
    }
  }

  /** Whole groups of eight into one 8-lane accumulator; returns the first element not summed. */
  private static int eightLanes(float[] x, int b, int length, double[] partial) {
    DoubleVector acc = DoubleVector.zero(DOUBLES);
    int j = 0;
    for (; j <= length - 8; j += 8) {
      acc = acc.add(widened(x, b + j));
    }
    acc.intoArray(partial, 0);
    return j;
  }

  /** As {@link #eightLanes} with two 4-lane accumulators: elements 0-3 and 4-7 of each group. */
  private static int fourLanes(float[] x, int b, int length, double[] partial) {
    DoubleVector low = DoubleVector.zero(DOUBLES);
    DoubleVector high = DoubleVector.zero(DOUBLES);
    int j = 0;
    for (; j <= length - 8; j += 8) {
      low = low.add(widened(x, b + j));
      high = high.add(widened(x, b + j + 4));
    }
    low.intoArray(partial, 0);
    high.intoArray(partial, 4);
    return j;
  }

  private static DoubleVector widened(float[] x, int at) {
    return (DoubleVector)
        FloatVector.fromArray(FLOATS, x, at).convertShape(VectorOperators.F2D, DOUBLES, 0);
  }
}
