package org.vmap4j.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;
import org.vmap4j.kernel.Monoid;

/**
 * {@code reduce_window} of F32 2x2 pooling at stride 2 without padding, where the windows tile the
 * input's last two dimensions exactly ({@code [planes, 2 * outH, 2 * outW]}): the forward pass of
 * the pooling layers whose backward is {@link VectorPoolScatter}. Two input rows at a time, two
 * vectors of input columns per step: each lane is combined with its neighbour in the pair (a lane
 * swap) and with the same two in the other row, in the taps' row-major order, so a sum adds in the
 * same order as {@link WindowReductions}'s unpadded loop and its results are bit-identical ({@code
 * max} and {@code min} are {@code Math.max}/{@code min} lane by lane, which no order changes); the
 * even lanes of both vectors, one result each, are then packed into one vector of results. Columns
 * beyond the last whole pair of vectors are done one window at a time.
 *
 * <p>Why: the unpadded loop reads the input at stride 2, which HotSpot does not vectorize; it was
 * the largest single item (about 19% of JFR samples) of the CNN's forward pass
 * (docs/performance.md, "The forward pass as a floor"). Loaded only when the JVM has the Vector API
 * module.
 */
final class VectorPoolReduce {
  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  private static final int LANES = SPECIES.length();
  private static final VectorShuffle<Float> SWAP_PAIRS = VectorShuffle.fromOp(SPECIES, i -> i ^ 1);
  // lane i takes lane 2i of the first vector (i < LANES / 2) or of the second (the indices past
  // the first vector's last lane are the two-vector rearrange's "other vector" lanes)
  private static final VectorShuffle<Float> EVEN_LANES_OF_TWO =
      VectorShuffle.fromOp(SPECIES, i -> 2 * i);

  private VectorPoolReduce() {}

  /** {@code y[plane, i, j]} = the monoid over {@code x[plane, 2i..2i+1, 2j..2j+1]}. */
  static void reduce(float[] x, float[] y, int planes, int outH, int outW, Monoid monoid) {
    int width = 2 * outW;
    int step = 2 * LANES;
    int vectorCols = width - width % step;
    for (int plane = 0; plane < planes; plane++) {
      for (int i = 0; i < outH; i++) {
        int row0 = (plane * 2 * outH + 2 * i) * width;
        int row1 = row0 + width;
        int out = (plane * outH + i) * outW;
        for (int c = 0; c < vectorCols; c += step) {
          FloatVector low = window(x, row0 + c, row1 + c, monoid);
          FloatVector high = window(x, row0 + c + LANES, row1 + c + LANES, monoid);
          low.rearrange(EVEN_LANES_OF_TWO, high).intoArray(y, out + c / 2);
        }
        for (int j = vectorCols / 2; j < outW; j++) {
          int a = row0 + 2 * j;
          int b = row1 + 2 * j;
          y[out + j] =
              switch (monoid) {
                case SUM -> x[a] + x[a + 1] + x[b] + x[b + 1];
                case MAX -> Math.max(Math.max(Math.max(x[a], x[a + 1]), x[b]), x[b + 1]);
                case MIN -> Math.min(Math.min(Math.min(x[a], x[a + 1]), x[b]), x[b + 1]);
              };
        }
      }
    }
  }

  /** The window results in the even lanes of a vector of input columns starting at a and b. */
  private static FloatVector window(float[] x, int a, int b, Monoid monoid) {
    FloatVector x0 = FloatVector.fromArray(SPECIES, x, a);
    FloatVector x1 = FloatVector.fromArray(SPECIES, x, b);
    FloatVector p0 = x0.rearrange(SWAP_PAIRS);
    FloatVector p1 = x1.rearrange(SWAP_PAIRS);
    return switch (monoid) {
      case SUM -> x0.add(p0).add(x1).add(p1);
      case MAX -> x0.max(p0).max(x1).max(p1);
      case MIN -> x0.min(p0).min(x1).min(p1);
    };
  }
}
