package org.vmap4j.nn;

import java.util.Arrays;
import org.vmap4j.Tensor;
import org.vmap4j.interpreter.Interpreters;

/**
 * Layer, group and batch normalization, as PyTorch defines them: the biased variance, eps added to
 * it before the square root, an optional element-wise affine map (weight and bias may be null).
 */
final class Normalization {
  private Normalization() {}

  static Tensor layerNorm(
      Tensor input, int[] normalizedShape, Tensor weight, Tensor bias, double eps) {
    String fn = "layerNorm";
    Checks.floating(input, fn, "input");
    Checks.notNull(normalizedShape, fn, "normalizedShape");
    int k = normalizedShape.length;
    int[] s = input.shape();
    boolean ok = k >= 1 && k <= s.length;
    for (int i = 0; ok && i < k; i++) {
      ok = s[s.length - k + i] == normalizedShape[i];
    }
    if (!ok) {
      throw new IllegalArgumentException(
          fn
              + ": input's last dimensions must equal normalizedShape "
              + Checks.shape(normalizedShape)
              + ", found input of shape "
              + Checks.shape(s));
    }
    Checks.shapeIs(weight, normalizedShape, fn, "weight");
    Checks.shapeIs(bias, normalizedShape, fn, "bias");
    int[] rows = Arrays.copyOf(s, s.length - k + 1);
    rows[rows.length - 1] = -1;
    Tensor y = standardize(input.reshape(rows), eps).reshape(s);
    return affine(y, weight, bias);
  }

  static Tensor groupNorm(Tensor input, int numGroups, Tensor weight, Tensor bias, double eps) {
    String fn = "groupNorm";
    Checks.floating(input, fn, "input");
    Checks.rankIn(
        input,
        2,
        Integer.MAX_VALUE,
        fn,
        "input",
        "[N, C, ...] (add a batch dimension of 1 with unsqueeze(0) for one example)");
    int[] s = input.shape();
    int c = s[1];
    Checks.require(
        numGroups > 0 && c % numGroups == 0,
        fn,
        "numGroups must divide the "
            + c
            + " channels of input "
            + Checks.shape(s)
            + ", found "
            + numGroups);
    Checks.shapeIs(weight, new int[] {c}, fn, "weight");
    Checks.shapeIs(bias, new int[] {c}, fn, "bias");
    Tensor y = standardize(input.reshape(s[0], numGroups, -1), eps).reshape(s);
    return affine(y, perChannel(weight, s.length), perChannel(bias, s.length));
  }

  static Tensor batchNorm(
      Tensor input,
      Tensor runningMean,
      Tensor runningVar,
      Tensor weight,
      Tensor bias,
      boolean training,
      double momentum,
      double eps) {
    String fn = "batchNorm";
    Checks.require(
        momentum >= 0 && momentum <= 1, fn, "momentum must be in [0, 1], found " + momentum);
    Checks.floating(input, fn, "input");
    Checks.rankIn(input, 2, Integer.MAX_VALUE, fn, "input", "[N, C, ...]");
    int[] s = input.shape();
    int[] channels = {s[1]};
    Checks.shapeIs(weight, channels, fn, "weight");
    Checks.shapeIs(bias, channels, fn, "bias");
    Tensor y;
    if (training) {
      if (Interpreters.isActive("vmap")) {
        throw new IllegalStateException(
            fn
                + ": training-mode batch statistics are not defined under vmap: each example"
                + " would be normalized by statistics of the others (or of itself alone). Use"
                + " groupNorm (per-example statistics), or batchNorm in evaluation mode"
                + " (training = false, with running statistics).");
      }
      // statistics over every dimension but the channels: move C first and flatten the rest
      int[] toFront = new int[s.length];
      toFront[0] = 1;
      for (int i = 1; i < s.length; i++) {
        toFront[i] = i == 1 ? 0 : i;
      }
      Tensor rows = input.permute(toFront).reshape(s[1], -1);
      Tensor mean = rows.mean(1);
      Tensor var = rows.sub(mean.unsqueeze(1)).square().mean(1);
      y = normalizeBy(input, mean, var, eps);
    } else {
      Checks.notNull(runningMean, fn, "runningMean (needed in evaluation mode)");
      Checks.notNull(runningVar, fn, "runningVar (needed in evaluation mode)");
      Checks.shapeIs(runningMean, channels, fn, "runningMean");
      Checks.shapeIs(runningVar, channels, fn, "runningVar");
      y = normalizeBy(input, runningMean, runningVar, eps);
    }
    return affine(y, perChannel(weight, s.length), perChannel(bias, s.length));
  }

  private static Tensor normalizeBy(Tensor input, Tensor mean, Tensor var, double eps) {
    int rank = input.ndim();
    return input.sub(perChannel(mean, rank)).mul(perChannel(var, rank).add(eps).rsqrt());
  }

  /** Each row (the last dimension) shifted to mean 0 and scaled to variance 1 (plus eps). */
  private static Tensor standardize(Tensor rows, double eps) {
    Tensor centred = rows.sub(rows.mean(-1, true));
    Tensor var = centred.square().mean(-1, true);
    return centred.mul(var.add(eps).rsqrt());
  }

  /** A [C] vector as [C, 1, ..., 1], to broadcast against [N, C, ...] of this rank. */
  private static Tensor perChannel(Tensor v, int rank) {
    if (v == null) {
      return null;
    }
    int[] shape = new int[rank - 1];
    Arrays.fill(shape, 1);
    shape[0] = v.shape()[0];
    return v.reshape(shape);
  }

  private static Tensor affine(Tensor y, Tensor weight, Tensor bias) {
    Tensor out = weight == null ? y : y.mul(weight);
    return bias == null ? out : out.add(bias);
  }
}
