package org.vmap4j.nn;

import java.util.Arrays;
import org.vmap4j.Tensor;

/**
 * Losses with PyTorch's conventions: class scores in dimension 1 ({@code [N, C]} or {@code [N, C,
 * d1, ...]}), or dimension 0 for one unbatched example ({@code [C]} with a 0-d target).
 */
final class Losses {
  private Losses() {}

  static Tensor crossEntropy(
      Tensor logits, Tensor target, Reduction reduction, double labelSmoothing) {
    String fn = "crossEntropy";
    Checks.floating(logits, fn, "input");
    Checks.notNull(target, fn, "target");
    Checks.require(
        labelSmoothing >= 0 && labelSmoothing <= 1,
        fn,
        "labelSmoothing must be in [0, 1], found " + labelSmoothing);
    int classDim = classDim(logits, fn);
    Tensor logp = logits.logSoftmax(classDim);
    int classes = logits.shape()[classDim];
    if (target.dtype().isFloating()) {
      // class probabilities, one per score
      Checks.shapeIs(target, logits.shape(), fn, "target (class probabilities)");
      Tensor p =
          labelSmoothing == 0
              ? target
              : target.mul(1 - labelSmoothing).add(labelSmoothing / classes);
      return reduction.apply(p.mul(logp).sum(classDim).neg());
    }
    Tensor nll = pickNegated(logp, target, classDim, fn);
    if (labelSmoothing != 0) {
      Tensor uniform = logp.mean(classDim).neg();
      nll = nll.mul(1 - labelSmoothing).add(uniform.mul(labelSmoothing));
    }
    return reduction.apply(nll);
  }

  static Tensor nllLoss(Tensor logProbabilities, Tensor target, Reduction reduction) {
    String fn = "nllLoss";
    Checks.floating(logProbabilities, fn, "input");
    int classDim = classDim(logProbabilities, fn);
    return reduction.apply(pickNegated(logProbabilities, target, classDim, fn));
  }

  static Tensor mseLoss(Tensor input, Tensor target, Reduction reduction) {
    String fn = "mseLoss";
    Checks.floating(input, fn, "input");
    Checks.notNull(target, fn, "target");
    Checks.shapeIs(target, input.shape(), fn, "target (the input's shape)");
    return reduction.apply(input.sub(target).square());
  }

  /** {@code max(x, 0) - x t + log1p(exp(-|x|))}: -[t log s(x) + (1-t) log(1 - s(x))], stably. */
  static Tensor binaryCrossEntropyWithLogits(Tensor input, Tensor target, Reduction reduction) {
    String fn = "binaryCrossEntropyWithLogits";
    Checks.floating(input, fn, "input");
    Checks.notNull(target, fn, "target");
    Checks.shapeIs(target, input.shape(), fn, "target (the input's shape)");
    Tensor t = target.astype(input.dtype());
    return reduction.apply(input.maximum(0).sub(input.mul(t)).add(input.abs().neg().exp().log1p()));
  }

  private static int classDim(Tensor scores, String fn) {
    Checks.require(
        scores.ndim() >= 1,
        fn,
        "input must be [C] (one example) or [N, C, ...] class scores, found shape []");
    return scores.ndim() == 1 ? 0 : 1;
  }

  /** {@code -scores[..., target, ...]} along {@code classDim}, checking the target's shape. */
  private static Tensor pickNegated(Tensor scores, Tensor target, int classDim, String fn) {
    Checks.integer(target, fn, "target");
    int[] s = scores.shape();
    int[] expected = new int[s.length - 1];
    for (int i = 0, k = 0; i < s.length; i++) {
      if (i != classDim) {
        expected[k++] = s[i];
      }
    }
    if (!Arrays.equals(target.shape(), expected)) {
      throw new IllegalArgumentException(
          fn
              + ": target must hold one class index per example, shape "
              + Checks.shape(expected)
              + " for input of shape "
              + Checks.shape(s)
              + ", found "
              + Checks.shape(target));
    }
    return scores.gather(classDim, target.unsqueeze(classDim)).squeeze(classDim).neg();
  }
}
