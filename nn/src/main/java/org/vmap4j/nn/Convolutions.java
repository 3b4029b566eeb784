package org.vmap4j.nn;

import java.util.Arrays;
import java.util.Locale;
import org.vmap4j.Tensor;
import org.vmap4j.interpreter.Interpreters;
import org.vmap4j.interpreter.Params;
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
    return maxPool2d(input, kernel, stride, padding, null, false);
  }

  static Tensor maxPool2d(
      Tensor input, int[] kernel, int[] stride, int[] padding, int[] dilation, boolean ceilMode) {
    Pooling g = Pooling.of("max_pool2d", input, kernel, stride, padding, dilation, ceilMode);
    return g.apply(ReduceWindow.REDUCE_WINDOW_MAX, input);
  }

  static Tensor avgPool2d(Tensor input, int[] kernel, int[] stride, int[] padding) {
    return avgPool2d(input, kernel, stride, padding, false, true);
  }

  static Tensor avgPool2d(
      Tensor input,
      int[] kernel,
      int[] stride,
      int[] padding,
      boolean ceilMode,
      boolean countIncludePad) {
    Pooling g = Pooling.of("avg_pool2d", input, kernel, stride, padding, null, ceilMode);
    Tensor sum = g.apply(ReduceWindow.REDUCE_WINDOW_SUM, input);
    if (!ceilMode && countIncludePad) {
      return sum.div(g.kernel()[0] * g.kernel()[1]);
    }
    return sum.div(g.divisors(countIncludePad).astype(input.dtype()));
  }

  /**
   * The geometry of a 2-d pooling, PyTorch's rules: {@code out = floor_or_ceil((n + 2 p - d (k - 1)
   * - 1) / s) + 1}, where ceil mode drops a last window that would start in the right padding; the
   * windows that ceil mode adds hang over the right edge, which becomes extra high padding ({@code
   * high[i]}, at least {@code padding[i]}).
   */
  private record Pooling(
      int rank, int[] kernel, int[] stride, int[] padding, int[] dilation, int[] in, int[] out) {
    static Pooling of(
        String name,
        Tensor input,
        int[] kernel,
        int[] stride,
        int[] padding,
        int[] dilation,
        boolean ceilMode) {
      checkImage(name, input);
      if (kernel == null) {
        throw new IllegalArgumentException(name + ": kernel_size is required");
      }
      int[] k = expand(name, "kernel_size", kernel, 2, -1, 1);
      int[] s = stride == null || stride.length == 0 ? k : expand(name, "stride", stride, 2, 1, 1);
      int[] p = expand(name, "padding", padding, 2, 0, 0);
      int[] d = expand(name, "dilation", dilation, 2, 1, 1);
      int rank = input.ndim();
      int[] h = input.shape();
      int[] in = {h[rank - 2], h[rank - 1]};
      int[] out = new int[2];
      for (int i = 0; i < 2; i++) {
        if (2 * p[i] > k[i]) {
          throw new IllegalArgumentException(
              name
                  + ": padding should be at most half of the kernel size (as in PyTorch), got"
                  + " padding "
                  + Arrays.toString(p)
                  + " for kernel_size "
                  + Arrays.toString(k));
        }
        int span = in[i] + 2 * p[i] - d[i] * (k[i] - 1) - 1;
        if (span < 0) {
          throw new IllegalArgumentException(
              name
                  + ": kernel_size "
                  + Arrays.toString(k)
                  + (d[i] > 1 ? " with dilation " + Arrays.toString(d) : "")
                  + " is larger than the padded input "
                  + Arrays.toString(h));
        }
        out[i] = (ceilMode ? Math.floorDiv(span + s[i] - 1, s[i]) : span / s[i]) + 1;
        if (ceilMode && (out[i] - 1) * s[i] >= in[i] + p[i]) {
          out[i]--;
        }
      }
      return new Pooling(rank, k, s, p, d, in, out);
    }

    Tensor apply(ReduceWindow op, Tensor input) {
      int[] window = ones(rank);
      int[] strides = ones(rank);
      int[] dilations = ones(rank);
      int[] low = new int[rank];
      int[] high = new int[rank];
      for (int i = 0; i < 2; i++) {
        int at = rank - 2 + i;
        window[at] = kernel[i];
        strides[at] = stride[i];
        dilations[at] = dilation[i];
        low[at] = padding[i];
        int reach = (out[i] - 1) * stride[i] + dilation[i] * (kernel[i] - 1) + 1;
        high[at] = Math.max(padding[i], reach - in[i] - padding[i]);
      }
      return Interpreters.bind1(
          op, ReduceWindow.params(window, strides, low, high, dilations), input);
    }

    /**
     * {@code [outH, outW]}: how many cells each window averages, as PyTorch's avg_pool2d counts
     * them: the window clipped to the padded input (never the overhang of ceil mode), and with
     * {@code countIncludePad} false, to the input itself.
     */
    Tensor divisors(boolean countIncludePad) {
      double[][] counts = new double[2][];
      for (int i = 0; i < 2; i++) {
        counts[i] = new double[out[i]];
        for (int o = 0; o < out[i]; o++) {
          int start = o * stride[i] - padding[i];
          int end = Math.min(start + kernel[i], in[i] + padding[i]);
          if (!countIncludePad) {
            start = Math.max(start, 0);
            end = Math.min(end, in[i]);
          }
          counts[i][o] = end - start;
        }
      }
      double[] area = new double[out[0] * out[1]];
      for (int r = 0; r < out[0]; r++) {
        for (int c = 0; c < out[1]; c++) {
          area[r * out[1] + c] = counts[0][r] * counts[1][c];
        }
      }
      return Tensor.of(area, out[0], out[1]);
    }
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
