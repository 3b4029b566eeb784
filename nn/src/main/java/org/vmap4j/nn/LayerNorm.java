package org.vmap4j.nn;

import org.vmap4j.DType;
import org.vmap4j.Tensor;

/** Layer normalization over the trailing {@code normalizedShape}, as {@code nn.LayerNorm}. */
public record LayerNorm(int[] normalizedShape, double eps) implements Layer<LayerNorm.Params> {
  public LayerNorm(int... normalizedShape) {
    this(normalizedShape, 1e-5);
  }

  public record Params(Tensor weight, Tensor bias) {}

  /** Weight ones, bias zeros. */
  @Override
  public Params init(long seed, DType dtype) {
    return new Params(Tensor.ones(dtype, normalizedShape), Tensor.zeros(dtype, normalizedShape));
  }

  @Override
  public Tensor apply(Params p, Tensor x) {
    return Functional.layerNorm(x, normalizedShape, p.weight(), p.bias(), eps);
  }
}
