package org.vmap4j.nn;

import org.vmap4j.DType;
import org.vmap4j.Tensor;

/**
 * A 2-d convolution as PyTorch's {@code nn.Conv2d}: weight {@code [out, in / groups, kH, kW]}
 * (OIHW), bias {@code [out]}. {@code stride}, {@code padding} and {@code dilation} have one entry
 * (both dimensions) or two, as {@link Functional#conv2d}. Input {@code [C, H, W]} (one example) or
 * {@code [N, C, H, W]}.
 */
public record Conv2d(
    int inChannels,
    int outChannels,
    int[] kernelSize,
    int[] stride,
    int[] padding,
    int[] dilation,
    int groups,
    boolean bias)
    implements Layer<Conv2d.Params> {

  /** Square kernel, stride 1, the given padding on every side, with a bias. */
  public Conv2d(int inChannels, int outChannels, int kernelSize, int padding) {
    this(
        inChannels,
        outChannels,
        new int[] {kernelSize},
        new int[] {1},
        new int[] {padding},
        new int[] {1},
        1,
        true);
  }

  /** State-dict names {@code weight}, {@code bias}; bias null when the layer has none. */
  public record Params(Tensor weight, Tensor bias) {}

  /**
   * PyTorch's default: weight and bias from U(-1/sqrt(fanIn), 1/sqrt(fanIn)), fanIn = in / groups *
   * kH * kW.
   */
  @Override
  public Params init(long seed, DType dtype) {
    int kh = kernelSize[0];
    int kw = kernelSize.length > 1 ? kernelSize[1] : kernelSize[0];
    int perGroup = inChannels / groups;
    double bound = 1 / Math.sqrt((double) perGroup * kh * kw);
    return new Params(
        Init.uniform(Init.split(seed, 0), dtype, bound, outChannels, perGroup, kh, kw),
        bias ? Init.uniform(Init.split(seed, 1), dtype, bound, outChannels) : null);
  }

  @Override
  public Tensor apply(Params p, Tensor x) {
    return Functional.conv2d(x, p.weight(), p.bias(), stride, padding, dilation, groups);
  }
}
