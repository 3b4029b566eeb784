package org.vmap4j.nn;

import org.vmap4j.Tensor;

/**
 * Element-wise activations. The stable forms use {@code maximum}/{@code minimum} against 0 rather
 * than relu because those split the derivative evenly at a tie: d/dx softplus(0) = 1/2 exactly,
 * where relu's convention (derivative 0 at 0) would give 0.
 */
final class Activations {
  private static final double INV_SQRT2 = 1 / Math.sqrt(2);

  private Activations() {}

  static Tensor relu(Tensor x) {
    Checks.notNull(x, "relu", "input");
    return x.relu();
  }

  /** Exact GELU: {@code x/2 (1 + erf(x/sqrt 2))}. */
  static Tensor gelu(Tensor x) {
    Checks.floating(x, "gelu", "input");
    return x.mul(x.mul(INV_SQRT2).erf().add(1)).mul(0.5);
  }

  static Tensor silu(Tensor x) {
    Checks.floating(x, "silu", "input");
    return x.mul(x.sigmoid());
  }

  /**
   * {@code log(1 + exp(beta x)) / beta}, and x itself where {@code beta x > threshold} (PyTorch's
   * linear regime). Below it: {@code max(z, 0) + log1p(exp(-|z|))} for z = beta x, which neither
   * overflows nor loses the small tail.
   */
  static Tensor softplus(Tensor x, double beta, double threshold) {
    Checks.floating(x, "softplus", "input");
    Checks.require(beta > 0, "softplus", "beta must be positive, found " + beta);
    Tensor z = beta == 1 ? x : x.mul(beta);
    Tensor soft = softplusOf(z);
    if (beta != 1) {
      soft = soft.div(beta);
    }
    return Tensor.where(z.gt(threshold), x, soft);
  }

  /** {@code log(1 + exp(z))} without overflow. */
  static Tensor softplusOf(Tensor z) {
    return z.maximum(0).add(z.abs().neg().exp().log1p());
  }

  /** {@code log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|))}. */
  static Tensor logSigmoid(Tensor x) {
    Checks.floating(x, "logSigmoid", "input");
    return x.minimum(0).sub(x.abs().neg().exp().log1p());
  }
}
