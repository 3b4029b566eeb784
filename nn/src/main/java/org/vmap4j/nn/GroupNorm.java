package org.vmap4j.nn;

import org.vmap4j.DType;
import org.vmap4j.Tensor;

/**
 * Group normalization as PyTorch's {@code nn.GroupNorm}: statistics per example over each group of
 * {@code numChannels / numGroups} channels, a per-channel affine {@code weight}, {@code bias}
 * {@code [numChannels]}. Input {@code [N, C, ...]} as {@link Functional#groupNorm}; a model written
 * for one example adds the batch dimension with {@code unsqueeze(0)}.
 */
public record GroupNorm(int numGroups, int numChannels, double eps)
    implements Layer<GroupNorm.Params> {
  public GroupNorm(int numGroups, int numChannels) {
    this(numGroups, numChannels, 1e-5);
  }

  public record Params(Tensor weight, Tensor bias) {}

  /** Weight ones, bias zeros, as PyTorch. */
  @Override
  public Params init(long seed, DType dtype) {
    return new Params(Tensor.ones(dtype, numChannels), Tensor.zeros(dtype, numChannels));
  }

  @Override
  public Tensor apply(Params p, Tensor x) {
    return Functional.groupNorm(x, numGroups, p.weight(), p.bias(), eps);
  }
}
