package org.vmap4j.nn;

import java.util.Arrays;
import java.util.Locale;
import org.vmap4j.Tensor;
import org.vmap4j.core.Interpreters;
import org.vmap4j.core.Params;
import org.vmap4j.prim.ConvGeneralDilated;
import org.vmap4j.prim.ReduceWindow;

/**
 * Convolution and pooling of {@link Functional}: argument checks in PyTorch's terms, then one
 * {@code conv_general_dilated} or {@code reduce_window} primitive. An input without a batch
 * dimension gets one for the primitive and loses it again, so per-example code (under {@code vmap})
 * reads as PyTorch's unbatched calls.
 */
final class Convolutions {
  private Convolutions() {}

  static Tensor conv(
      int dims,
      Tensor input,
      Tensor weight,
      Tensor bias,
      int[] stride,
      int[] padding,
      int[] dilation,
      int groups) {
    String name = "conv" + dims + "d";
    int[] s = expand(name, "stride", stride, dims, 1, 1);
    int[] p = expand(name, "padding", padding, dims, 0, 0);
    int[] d = expand(name, "dilation", dilation, dims, 1, 1);
    return convolve(name, dims, input, weight, bias, s, p, p, d, groups);
  }

  static Tensor conv(
      int dims,
      Tensor input,
      Tensor weight,
      Tensor bias,
      int[] stride,
      String padding,
      int[] dilation,
      int groups) {
    String name = "conv" + dims + "d";
    int[] s = expand(name, "stride", stride, dims, 1, 1);
    int[] d = expand(name, "dilation", dilation, dims, 1, 1);
    checkWeight(name, dims, weight);
    int[] low = new int[dims];
    int[] high = new int[dims];
    switch (padding == null ? "" : padding.toLowerCase(Locale.ROOT)) {
      case "valid" -> {}
      case "same" -> {
        for (int i = 0; i < dims; i++) {
          if (s[i] != 1) {
            throw new IllegalArgumentException(
                name
                    + ": padding=\"same\" needs stride 1 (as in PyTorch), got stride "
                    + Arrays.toString(s)
                    + "; pass explicit padding for a strided convolution");
          }
          int total = d[i] * (weight.shape()[i + 2] - 1);
          low[i] = total / 2;
          high[i] = total - low[i];
        }
      }
      default ->
          throw new IllegalArgumentException(
              name
                  + ": padding must be \"same\" or \"valid\" (or an int[]), got \""
                  + padding
                  + "\"");
    }
    return convolve(name, dims, input, weight, bias, s, low, high, d, groups);
  }

  private static Tensor convolve(
      String name,
      int dims,
      Tensor input,
      Tensor weight,
      Tensor bias,
      int[] stride,
      int[] low,
      int[] high,
      int[] dilation,
      int groups) {
    String spatial = dims == 1 ? "L" : dims == 2 ? "H, W" : "D, H, W";
    String kernel = dims == 1 ? "K" : dims == 2 ? "kH, kW" : "kD, kH, kW";
    checkWeight(name, dims, weight);
    boolean batched = input.ndim() == dims + 2;
    if (!batched && input.ndim() != dims + 1) {
      throw new IllegalArgumentException(
          name
              + ": input must be [N, C, "
              + spatial
              + "] or unbatched [C, "
              + spatial
              + "], got shape "
              + Arrays.toString(input.shape()));
    }
    if (groups < 1) {
      throw new IllegalArgumentException(name + ": groups must be positive, got " + groups);
    }
    int[] w = weight.shape();
    int channels = input.shape()[batched ? 1 : 0];
    if (channels % groups != 0 || w[1] * groups != channels || w[0] % groups != 0) {
      throw new IllegalArgumentException(
          name
              + ": weight must be [O, C / groups, "
              + kernel
              + "] with O divisible by groups; input has C = "
              + channels
              + " channels and groups = "
              + groups
              + ", got weight shape "
              + Arrays.toString(w));
    }
    if (bias != null && (bias.ndim() != 1 || bias.shape()[0] != w[0])) {
      throw new IllegalArgumentException(
          name
              + ": bias must be [O] = ["
              + w[0]
              + "] (one per output channel of the weight) or null, got shape "
              + Arrays.toString(bias.shape()));
    }
    int[] ones = new int[dims];
    Arrays.fill(ones, 1);
    Tensor x = batched ? input : input.unsqueeze(0);
    Params p = ConvGeneralDilated.params(stride, low, high, ones, dilation, groups, 1);
    Tensor y = Interpreters.bind1(ConvGeneralDilated.CONV_GENERAL_DILATED, p, x, weight);
    if (bias != null) {
      int[] shape = new int[dims + 2];
      Arrays.fill(shape, 1);
      shape[1] = w[0];
      y = y.add(bias.reshape(shape));
    }
    return batched ? y : y.squeeze(0);
  }

  private static void checkWeight(String name, int dims, Tensor weight) {
    if (weight.ndim() != dims + 2) {
      throw new IllegalArgumentException(
          name
              + ": weight must be [O, C / groups, "
              + (dims == 1 ? "K" : dims == 2 ? "kH, kW" : "kD, kH, kW")
              + "], got shape "
              + Arrays.toString(weight.shape()));
    }
  }

  /**
   * A PyTorch size argument: null (the default), one value for every spatial dimension, or one per
   * dimension; each at least {@code min}.
   */
  static int[] expand(String fn, String arg, int[] value, int dims, int fallback, int min) {
    int[] out = new int[dims];
    if (value == null || value.length == 0) {
      Arrays.fill(out, fallback);
      return out;
    }
    if (value.length != 1 && value.length != dims) {
      throw new IllegalArgumentException(
          fn + ": " + arg + " needs 1 or " + dims + " values, got " + Arrays.toString(value));
    }
    for (int i = 0; i < dims; i++) {
      out[i] = value[value.length == 1 ? 0 : i];
      if (out[i] < min) {
        throw new IllegalArgumentException(
            fn + ": " + arg + " must be at least " + min + ", got " + Arrays.toString(value));
      }
    }
    return out;
  }

  // ---------------------------------------------------------------- pooling

  static Tensor maxPool2d(Tensor input, int[] kernel, int[] stride, int[] padding) {
    return pool2d("max_pool2d", ReduceWindow.REDUCE_WINDOW_MAX, input, kernel, stride, padding);
  }

  static Tensor avgPool2d(Tensor input, int[] kernel, int[] stride, int[] padding) {
    Tensor sum =
        pool2d("avg_pool2d", ReduceWindow.REDUCE_WINDOW_SUM, input, kernel, stride, padding);
    int[] k = expand("avg_pool2d", "kernel_size", kernel, 2, 1, 1);
    return sum.div(k[0] * k[1]);
  }

  private static Tensor pool2d(
      String name, ReduceWindow op, Tensor input, int[] kernel, int[] stride, int[] padding) {
    checkImage(name, input);
    if (kernel == null) {
      throw new IllegalArgumentException(name + ": kernel_size is required");
    }
    int[] k = expand(name, "kernel_size", kernel, 2, -1, 1);
    int[] s = stride == null || stride.length == 0 ? k : expand(name, "stride", stride, 2, 1, 1);
    int[] p = expand(name, "padding", padding, 2, 0, 0);
    int rank = input.ndim();
    int[] h = input.shape();
    for (int i = 0; i < 2; i++) {
      if (2 * p[i] > k[i]) {
        throw new IllegalArgumentException(
            name
                + ": padding should be at most half of the kernel size (as in PyTorch), got padding "
                + Arrays.toString(p)
                + " for kernel_size "
                + Arrays.toString(k));
      }
      if (h[rank - 2 + i] + 2 * p[i] < k[i]) {
        throw new IllegalArgumentException(
            name
                + ": kernel_size "
                + Arrays.toString(k)
                + " is larger than the padded input "
                + Arrays.toString(h));
      }
    }
    int[] window = ones(rank);
    int[] strides = ones(rank);
    int[] pad = new int[rank];
    for (int i = 0; i < 2; i++) {
      window[rank - 2 + i] = k[i];
      strides[rank - 2 + i] = s[i];
      pad[rank - 2 + i] = p[i];
    }
    return Interpreters.bind1(op, ReduceWindow.params(window, strides, pad, pad), input);
  }

  static Tensor adaptiveAvgPool2d(Tensor input, int[] outputSize) {
    String name = "adaptive_avg_pool2d";
    checkImage(name, input);
    int[] o = expand(name, "output_size", outputSize, 2, -1, 1);
    int rank = input.ndim();
    int height = input.shape()[rank - 2];
    int width = input.shape()[rank - 1];
    // a linear map per axis: row i of the matrix averages input cells [start(i), end(i))
    Tensor rows = averaging(height, o[0], input);
    Tensor cols = averaging(width, o[1], input);
    return rows.matmul(input.matmul(cols.permute(1, 0)));
  }

  /** {@code [out, in]}: row i holds 1/n over PyTorch's adaptive window i, zero elsewhere. */
  private static Tensor averaging(int in, int out, Tensor like) {
    double[] m = new double[out * in];
    for (int i = 0; i < out; i++) {
      int start = Math.floorDiv(i * in, out);
      int end = -Math.floorDiv(-(i + 1) * in, out);
      for (int j = start; j < end; j++) {
        m[i * in + j] = 1.0 / (end - start);
      }
    }
    return Tensor.of(m, out, in).astype(like.dtype());
  }

  private static void checkImage(String name, Tensor input) {
    if (input.ndim() != 3 && input.ndim() != 4) {
      throw new IllegalArgumentException(
          name
              + ": input must be [N, C, H, W] or unbatched [C, H, W], got shape "
              + Arrays.toString(input.shape()));
    }
  }

  private static int[] ones(int n) {
    int[] a = new int[n];
    Arrays.fill(a, 1);
    return a;
  }
}
