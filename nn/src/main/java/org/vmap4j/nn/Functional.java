package org.vmap4j.nn;

import org.vmap4j.Tensor;

/**
 * PyTorch's {@code torch.nn.functional}, with its names, argument order and weight layouts, as pure
 * functions of tensors: they compose with {@code vmap}, {@code grad} and {@code jit} like any
 * tensor operation. Inputs may carry a leading batch dimension or not, as PyTorch accepts them.
 */
public final class Functional {
  private Functional() {}

  // ---------------------------------------------------------------- convolution and pooling

  /** {@code F.conv1d(input, weight)}: stride 1, no padding. */
  public static Tensor conv1d(Tensor input, Tensor weight) {
    return Convolutions.conv(1, input, weight, null, null, (int[]) null, null, 1);
  }

  /** {@code F.conv1d(input, weight, bias)}; {@code bias} may be null. */
  public static Tensor conv1d(Tensor input, Tensor weight, Tensor bias) {
    return Convolutions.conv(1, input, weight, bias, null, (int[]) null, null, 1);
  }

  /**
   * {@code F.conv1d}: input {@code [C, L]} or {@code [N, C, L]}, weight {@code [O, C / groups, K]},
   * bias {@code [O]} or null; {@code stride}, {@code padding} and {@code dilation} have one entry.
   */
  public static Tensor conv1d(
      Tensor input,
      Tensor weight,
      Tensor bias,
      int[] stride,
      int[] padding,
      int[] dilation,
      int groups) {
    return Convolutions.conv(1, input, weight, bias, stride, padding, dilation, groups);
  }

  /** {@code F.conv1d} with {@code padding="same"} or {@code "valid"}. */
  public static Tensor conv1d(
      Tensor input,
      Tensor weight,
      Tensor bias,
      int[] stride,
      String padding,
      int[] dilation,
      int groups) {
    return Convolutions.conv(1, input, weight, bias, stride, padding, dilation, groups);
  }

  /** {@code F.conv2d(input, weight)}: stride 1, no padding. */
  public static Tensor conv2d(Tensor input, Tensor weight) {
    return Convolutions.conv(2, input, weight, null, null, (int[]) null, null, 1);
  }

  /** {@code F.conv2d(input, weight, bias)}; {@code bias} may be null. */
  public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias) {
    return Convolutions.conv(2, input, weight, bias, null, (int[]) null, null, 1);
  }

  /**
   * {@code F.conv2d}: input {@code [C, H, W]} or {@code [N, C, H, W]}, weight {@code [O, C /
   * groups, kH, kW]}, bias {@code [O]} or null; {@code stride}, {@code padding} and {@code
   * dilation} have one entry (both dimensions) or two; null means PyTorch's default (1, 0, 1).
   */
  public static Tensor conv2d(
      Tensor input,
      Tensor weight,
      Tensor bias,
      int[] stride,
      int[] padding,
      int[] dilation,
      int groups) {
    return Convolutions.conv(2, input, weight, bias, stride, padding, dilation, groups);
  }

  /**
   * {@code F.conv2d} with {@code padding="valid"} (none) or {@code "same"} (the output keeps the
   * input's size; stride 1 only, as in PyTorch; an odd total padding puts the extra element after).
   */
  public static Tensor conv2d(
      Tensor input,
      Tensor weight,
      Tensor bias,
      int[] stride,
      String padding,
      int[] dilation,
      int groups) {
    return Convolutions.conv(2, input, weight, bias, stride, padding, dilation, groups);
  }

  /** {@code F.max_pool2d(input, kernel_size)}: stride = kernel, no padding. */
  public static Tensor maxPool2d(Tensor input, int[] kernel) {
    return Convolutions.maxPool2d(input, kernel, null, null);
  }

  /**
   * {@code F.max_pool2d(input, kernel_size, stride, padding)} on {@code [C, H, W]} or {@code [N, C,
   * H, W]}: padding counts as -inf, at most half the kernel; stride null means the kernel size. The
   * gradient goes to the first maximum of each window on ties, as PyTorch's.
   */
  public static Tensor maxPool2d(Tensor input, int[] kernel, int[] stride, int[] padding) {
    return Convolutions.maxPool2d(input, kernel, stride, padding);
  }

  /** {@code F.avg_pool2d(input, kernel_size)}: stride = kernel, no padding. */
  public static Tensor avgPool2d(Tensor input, int[] kernel) {
    return Convolutions.avgPool2d(input, kernel, null, null);
  }

  /**
   * {@code F.avg_pool2d(input, kernel_size, stride, padding)} with PyTorch's defaults {@code
   * count_include_pad=True}, {@code ceil_mode=False}: every window's sum divided by the kernel
   * area, padding counted as zeros.
   */
  public static Tensor avgPool2d(Tensor input, int[] kernel, int[] stride, int[] padding) {
    return Convolutions.avgPool2d(input, kernel, stride, padding);
  }

  /**
   * {@code F.adaptive_avg_pool2d(input, output_size)}: output cell (i, j) averages input rows
   * {@code floor(i H / oH)} to {@code ceil((i + 1) H / oH)} (exclusive) and likewise columns.
   */
  public static Tensor adaptiveAvgPool2d(Tensor input, int[] outputSize) {
    return Convolutions.adaptiveAvgPool2d(input, outputSize);
  }
}
