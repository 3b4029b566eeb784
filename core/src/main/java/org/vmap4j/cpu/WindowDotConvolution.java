package org.vmap4j.cpu;

import org.vmap4j.DType;

/**
 * The F32 kernel of a 2-D convolution with few result positions under a large window (the {@link
 * Convolution.Layout#WINDOW_DOTS} layout), as a filter gradient is: the window is a whole image and
 * the result the filter, e.g. the per-sample filter gradient of ModelsPerSampleGradBenchmark's CNN,
 * {@code [3, 256, 32, 32] * [1024, 1, 32, 32]} with 256 feature groups and a 3x3 result. Each
 * (example, group) pair's channels are copied once into a zero-bordered plane (the padding made
 * real), and every result element is the dot product of a filter with the plane under it, read in
 * place ({@link VectorWindowDots}): nothing is unrolled.
 *
 * <p>Why: the patch layout copied every result position's window into a patch row (nine copies of
 * each image for a 3x3 result) in runs one window row long, and that copying took about three times
 * as long as the product (JFR samples of the CNN's per-sample gradients, docs/performance.md).
 *
 * <p>Handles stride 1 without dilations or negative low padding, any feature or batch groups, and
 * only where the JVM has the Vector API module; other convolutions asked for this layout get the
 * patches.
 */
final class WindowDotConvolution {
  private WindowDotConvolution() {}

  /** Whether this kernel computes the convolution (dtype, geometry and the Vector API only). */
  static boolean handles(DType dtype, Convolution.Geometry g, int spatialDims) {
    return Convolution.Planes.fit(dtype, g, spatialDims)
        && g.rhsDilation()[0] == 1
        && g.rhsDilation()[1] == 1
        && Gemm.vectorApiInUse();
  }

  /**
   * {@code y[n, o] = sum over the group's channels c and window taps of w[o, c, tap] * x[example,
   * firstChannel + c] shifted}, with examples and channels taken per group as {@link Convolution}
   * does; x {@code [N, C, H, W]}, w {@code [O, C / groups, KH, KW]}, y {@code [N / batch groups, O,
   * outH, outW]}, all contiguous.
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
    int groupOut = p.groupOut();
    int taps = p.groupChannels() * p.kh() * p.kw();
    int positions = p.outH() * p.outW();
    VectorWindowDots.Shape shape =
        VectorWindowDots.Shape.of(
            p.groupChannels(), p.kh(), p.kw(), p.hp(), p.wp(), p.outH(), p.outW());
    long cost = (long) groupOut * taps * positions;
    p.forEachSlice(
        x,
        cost,
        0,
        () ->
            (plane, n, group) -> {
              int firstFilter = group * groupOut;
              VectorWindowDots.dots(
                  plane,
                  w,
                  firstFilter * taps,
                  groupOut,
                  shape,
                  y,
                  (n * p.filters() + firstFilter) * positions);
            });
  }
}
