package org.vmap4j.nn;

import org.vmap4j.DType;
import org.vmap4j.Tensor;

/** {@code y = x W^T + b}, W {@code [out, in]} as PyTorch's {@code nn.Linear}. */
public record Linear(int inFeatures, int outFeatures, boolean bias)
    implements Layer<Linear.Params> {
  public Linear(int inFeatures, int outFeatures) {
    this(inFeatures, outFeatures, true);
  }

  /** State-dict names {@code weight}, {@code bias}; bias null when the layer has none. */
  public record Params(Tensor weight, Tensor bias) {}

  /** PyTorch's default: W and b from U(-1/sqrt(in), 1/sqrt(in)). */
  @Override
  public Params init(long seed, DType dtype) {
    double bound = 1 / Math.sqrt(inFeatures);
    return new Params(
        Init.uniform(Init.split(seed, 0), dtype, bound, outFeatures, inFeatures),
        bias ? Init.uniform(Init.split(seed, 1), dtype, bound, outFeatures) : null);
  }

  @Override
  public Tensor apply(Params p, Tensor x) {
    return Functional.linear(x, p.weight(), p.bias());
  }
}
