package org.vmap4j.nn;

import org.vmap4j.Tensor;

/**
 * Inverted dropout with core's keyed random numbers: an element is kept where a uniform draw is at
 * least p, and kept elements are scaled by 1/(1-p). Functions here are pure, so the randomness is a
 * seed the caller passes (a new one per step). Under vmap the draws follow the vmap's {@code
 * Randomness} option: an error by default, {@code DIFFERENT} for a mask per example, {@code SAME}
 * for one mask shared by the batch.
 */
final class Dropout {
  private Dropout() {}

  static Tensor dropout(Tensor x, double p, boolean training, long seed) {
    String fn = "dropout";
    Checks.floating(x, fn, "input");
    Checks.require(p >= 0 && p <= 1, fn, "p must be in [0, 1], found " + p);
    if (!training || p == 0) {
      return x;
    }
    if (p == 1) {
      return x.mul(0);
    }
    Tensor keep = Tensor.randomUniform(seed, x.dtype(), x.shape()).ge(p);
    return Tensor.where(keep, x.mul(1 / (1 - p)), 0);
  }

  static Tensor dropoutWithoutSeed(Tensor x, double p, boolean training) {
    if (training && p != 0) {
      throw new IllegalArgumentException(
          "dropout: training with p = "
              + p
              + " needs random numbers, and vmap4j's are keyed: call dropout(x, p, training, seed)"
              + " with a new seed per step");
    }
    return dropout(x, p, training, 0);
  }
}
