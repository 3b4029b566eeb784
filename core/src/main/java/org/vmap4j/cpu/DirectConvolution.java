package org.vmap4j.cpu;

import org.vmap4j.DType;

/**
 * The direct F32 kernel of a 2-D convolution (the {@link Convolution.Layout#DIRECT} layout): stride
 * 1, no lhs dilation, one group, no negative padding; any rhs dilation. Each example's channels are
 * copied once into a zero-bordered plane {@code [C, Hp, Wp]} (the padding made real), and every
 * (filter, channel, tap) adds its weight times the plane shifted by the tap to a result plane that
 * is {@code Wp} wide: with rows that wide, a tap's shift is a single offset, so the whole plane is
 * one long loop that HotSpot vectorizes, with no border tests. The two surplus columns per row are
 * dropped when the result is copied out.
 *
 * <p>Why: the unrolled columns cost about two copies of {@code C * taps * positions} elements (the
 * unrolling and the GEMM's packing) whatever the number of filters, and with 4 or 8 filters that
 * copying was most of the time (the CNN of {@code ModelsPerSampleGradBenchmark}); here the work is
 * {@code O * C * taps} vector sweeps with nothing copied but the input, once. With the sweep's 4
 * filters by 4 vectors register block it also beat the columns with many filters: conv2d 3x3 {@code
 * [64, 32, 32, 32]} to 32 channels took 16 ms of CPU time against 30 ms for the columns and the
 * GEMM (docs/performance.md, 2026-12-06).
 */
final class DirectConvolution {
  private DirectConvolution() {}

  /** Whether the direct kernel computes this convolution (dtype and geometry only). */
  static boolean handles(DType dtype, Convolution.Geometry g, int spatialDims) {
    return Convolution.Planes.fit(dtype, g, spatialDims)
        && g.featureGroups() == 1
        && g.batchGroups() == 1;
  }

  /**
   * {@code y[n, o] = sum over c and taps of w[o, c, tap] * x[n, c] shifted}; x {@code [N, C, H,
   * W]}, w {@code [O, C, KH, KW]}, y {@code [N, O, outH, outW]}, all contiguous.
   */
  static void evaluate(
      float[] x,
      int[] xShape,
      float[] w,
      int[] wShape,
      Convolution.Geometry g,
      float[] y,
      int[] out) {
    Convolution.Planes p = Convolution.Planes.of(xShape, wShape, g, out);
    int filters = p.filters();
    int outH = p.outH();
    int outW = p.outW();
    int wp = p.wp();
    int dh = g.rhsDilation()[0];
    int dw = g.rhsDilation()[1];
    int span = (outH - 1) * wp + outW;
    int taps = p.channels() * p.kh() * p.kw();
    // a whole number of vectors, so that the sweep needs no tail; the plane is padded to match
    int lanes = Gemm.vectorApiInUse() ? VectorDirectConvolution.LANES : 1;
    int spanRounded = (span + lanes - 1) / lanes * lanes;
    int[] shifts = new int[taps];
    for (int c = 0, t = 0; c < p.channels(); c++) {
      for (int i = 0; i < p.kh(); i++) {
        for (int j = 0; j < p.kw(); j++) {
          shifts[t++] = c * p.planeSize() + i * dh * wp + j * dw;
        }
      }
    }
    long cost = (long) filters * taps * span;
    p.forEachSlice(
        x,
        cost,
        lanes,
        () -> {
          float[] acc = new float[FILTER_BLOCK * spanRounded];
          return (plane, n, group) -> {
            for (int o = 0; o < filters; o += FILTER_BLOCK) {
              int count = Math.min(FILTER_BLOCK, filters - o);
              if (lanes > 1) {
                VectorDirectConvolution.sweep(
                    plane, shifts, w, o, count, acc, spanRounded, spanRounded);
              } else {
                sweep(plane, shifts, w, o, count, acc, spanRounded, span);
              }
              for (int f = 0; f < count; f++) {
                int dst = (n * filters + o + f) * outH * outW;
                for (int r = 0; r < outH; r++) {
                  System.arraycopy(acc, f * spanRounded + r * wp, y, dst + r * outW, outW);
                }
              }
            }
          };
        });
  }

  /** The filters summed together by one sweep (its register block). */
  private static final int FILTER_BLOCK = 4;

  /** {@link VectorDirectConvolution#sweep} without the Vector API. */
  private static void sweep(
      float[] plane,
      int[] shifts,
      float[] w,
      int first,
      int count,
      float[] acc,
      int stride,
      int span) {
    int taps = shifts.length;
    for (int f = 0; f < count; f++) {
      int at = f * stride;
      java.util.Arrays.fill(acc, at, at + span, 0f);
      for (int t = 0; t < taps; t++) {
        addScaled(acc, at, plane, shifts[t], w[(first + f) * taps + t], span);
      }
    }
  }

  /** {@code acc[at + p] += weight * plane[shift + p]} for p below {@code span}. */
  private static void addScaled(
      float[] acc, int at, float[] plane, int shift, float weight, int span) {
    for (int p = 0; p < span; p++) {
      acc[at + p] += weight * plane[shift + p];
    }
  }
}
