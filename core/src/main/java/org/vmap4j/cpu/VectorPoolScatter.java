package org.vmap4j.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@code select_and_scatter_add} of F32 2x2 pooling at stride 2 without padding, where the windows
 * tile the input's last two dimensions exactly ({@code [planes, 2 * outH, 2 * outW]}): each input
 * element lies in exactly one window, so the result is written, not accumulated, and every element
 * of it is written. Two input rows at a time, a vector of input columns (half as many windows) per
 * step, all lanes at the input's resolution: the window's extremum is the extremum of each lane,
 * its neighbour in the pair (a lane swap) and the same two in the other row; a lane takes the
 * source value where it equals the extremum (or is NaN) and no earlier lane of its window does. The
 * rule is {@link WindowReductions}'s: the first extremum in row-major window order, {@code -0.0}
 * and {@code 0.0} tie, the first NaN wins. Columns beyond the last whole vector are done one window
 * at a time.
 *
 * <p>Why: the general unpadded kernel reads the input at stride 2 and picks the tap with integer
 * arithmetic per element, which HotSpot does not vectorize; it was the largest single item (about
 * 18%) of the CNN's per-sample gradients after the convolutions' rework (JFR, docs/performance.md).
 * Loaded only when the JVM has the Vector API module.
 */
final class VectorPoolScatter {
  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  private static final int LANES = SPECIES.length();
  private static final VectorShuffle<Float> SWAP_PAIRS = VectorShuffle.fromOp(SPECIES, i -> i ^ 1);
  private static final VectorMask<Float> EVEN = VectorMask.fromLong(SPECIES, 0x5555555555555555L);

  private VectorPoolScatter() {}

  /**
   * {@code y} (shaped like x, {@code [planes, 2 * outH, 2 * outW]}) gets each window's source value
   * {@code s[plane, i, j]} at the window's first extremum and zero elsewhere.
   */
  static void scatter(
      float[] x, float[] s, float[] y, int planes, int outH, int outW, boolean max) {
    int width = 2 * outW;
    int vectorCols = width - width % LANES;
    FloatVector zero = FloatVector.zero(SPECIES);
    // a source row with every value twice, at the input's resolution (a gather load with an index
    // map is not compiled to a vector instruction by HotSpot 17: it took a quarter of the call)
    float[] doubled = new float[vectorCols];
    for (int plane = 0; plane < planes; plane++) {
      for (int i = 0; i < outH; i++) {
        int row0 = (plane * 2 * outH + 2 * i) * width;
        int row1 = row0 + width;
        int src = (plane * outH + i) * outW;
        for (int c = 0; c < vectorCols; c += 2) {
          float v = s[src + c / 2];
          doubled[c] = v;
          doubled[c + 1] = v;
        }
        for (int c = 0; c < vectorCols; c += LANES) {
          FloatVector x0 = FloatVector.fromArray(SPECIES, x, row0 + c);
          FloatVector x1 = FloatVector.fromArray(SPECIES, x, row1 + c);
          FloatVector p0 = x0.rearrange(SWAP_PAIRS);
          FloatVector p1 = x1.rearrange(SWAP_PAIRS);
          FloatVector e = max ? x0.max(p0).max(x1.max(p1)) : x0.min(p0).min(x1.min(p1));
          VectorMask<Float> hit0 = hits(x0, e);
          VectorMask<Float> partner0 = hits(p0, e);
          VectorMask<Float> hit1 = hits(x1, e);
          VectorMask<Float> partner1 = hits(p1, e);
          // an odd lane takes only when its (earlier) even partner does not
          VectorMask<Float> take0 = hit0.and(EVEN.or(partner0.not()));
          VectorMask<Float> take1 = hit1.andNot(hit0.or(partner0)).and(EVEN.or(partner1.not()));
          FloatVector source = FloatVector.fromArray(SPECIES, doubled, c);
          zero.blend(source, take0).intoArray(y, row0 + c);
          zero.blend(source, take1).intoArray(y, row1 + c);
        }
        for (int j = vectorCols / 2; j < outW; j++) {
          window(x, s[src + j], y, row0 + 2 * j, row1 + 2 * j, max);
        }
      }
    }
  }

  /** Lanes equal to the extremum (zeros of either sign tie) or NaN. */
  private static VectorMask<Float> hits(FloatVector v, FloatVector extremum) {
    return v.compare(VectorOperators.EQ, extremum).or(v.test(VectorOperators.IS_NAN));
  }

  /** One window: its four elements written, the source value at the first extremum. */
  private static void window(float[] x, float source, float[] y, int a, int b, boolean max) {
    int[] at = {a, a + 1, b, b + 1};
    int chosen = at[0];
    float best = x[chosen];
    for (int k = 1; k < 4; k++) {
      float v = x[at[k]];
      if (!Float.isNaN(best) && (Float.isNaN(v) || (max ? v > best : v < best))) {
        chosen = at[k];
        best = v;
      }
    }
    for (int k = 0; k < 4; k++) {
      y[at[k]] = at[k] == chosen ? source : 0f;
    }
  }
}
