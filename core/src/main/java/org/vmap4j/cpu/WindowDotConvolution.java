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
    if (dtype != DType.F32 || spatialDims != 2 || !Gemm.vectorApiInUse()) {
      return false;
    }
    for (int d = 0; d < 2; d++) {
      if (g.strides()[d] != 1
          || g.lhsDilation()[d] != 1
          || g.rhsDilation()[d] != 1
          || g.paddingLow()[d] < 0) {
        return false;
      }
    }
    return true;
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
    int outExamples = out[0];
    int filters = out[1];
    int outH = out[2];
    int outW = out[3];
    int channels = xShape[1];
    int inH = xShape[2];
    int inW = xShape[3];
    int groupChannels = wShape[1];
    int kh = wShape[2];
    int kw = wShape[3];
    int groups = g.featureGroups() * g.batchGroups();
    int groupOut = filters / groups;
    int padTop = g.paddingLow()[0];
    int padLeft = g.paddingLow()[1];
    int hp = outH + kh - 1;
    int wp = outW + kw - 1;
    // the rows and columns of the input inside the padded plane (padding high may crop the input)
    int rowsIn = Math.min(inH, hp - padTop);
    int colsIn = Math.min(inW, wp - padLeft);
    int inPlane = inH * inW;
    int planeSize = hp * wp;
    VectorWindowDots.Shape shape =
        VectorWindowDots.Shape.of(groupChannels, kh, kw, hp, wp, outH, outW);
    long cost = (long) groupOut * groupChannels * kh * kw * outH * outW;
    Parallelism.forRange(
        outExamples * groups,
        cost,
        (from, to) -> {
          // zero once: every pair writes the same interior, so the border stays zero
          float[] plane = new float[groupChannels * planeSize];
          for (int pair = from; pair < to; pair++) {
            int n = pair / groups;
            int group = pair % groups;
            // batch groups take their examples from consecutive blocks of the input batch; feature
            // groups take consecutive blocks of its channels
            int example = g.batchGroups() > 1 ? group * outExamples + n : n;
            int firstChannel = g.featureGroups() > 1 ? group * groupChannels : 0;
            for (int c = 0; c < groupChannels; c++) {
              int src = (example * channels + firstChannel + c) * inPlane;
              for (int r = 0; r < rowsIn; r++) {
                System.arraycopy(
                    x,
                    src + r * inW,
                    plane,
                    c * planeSize + (r + padTop) * wp + padLeft,
                    Math.max(0, colsIn));
              }
            }
            int firstFilter = group * groupOut;
            VectorWindowDots.dots(
                plane,
                w,
                firstFilter * groupChannels * kh * kw,
                groupOut,
                shape,
                y,
                (n * filters + firstFilter) * outH * outW);
          }
        });
  }
}
