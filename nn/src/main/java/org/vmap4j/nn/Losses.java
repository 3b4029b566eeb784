package org.vmap4j.nn;

import java.util.Arrays;
import org.vmap4j.Tensor;

/**
 * Losses with PyTorch's conventions: class scores in dimension 1 ({@code [N, C]} or {@code [N, C,
 * d1, ...]}), or dimension 0 for one unbatched example ({@code [C]} with a 0-d target).
 */
final class Losses {
  /** PyTorch's default {@code ignore_index}: targets of -100 (padding tokens) count for nothing. */
  static final long DEFAULT_IGNORE_INDEX = -100;

  private Losses() {}

  static Tensor crossEntropy(
      Tensor logits, Tensor target, long ignoreIndex, Reduction reduction, double labelSmoothing) {
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
    checkTargetShape(logp, target, classDim, fn);
    Tensor kept = target.ne(ignoreIndex);
    Tensor nll = pickNegated(logp, withoutIgnored(target, kept), classDim);
    if (labelSmoothing != 0) {
      Tensor uniform = logp.mean(classDim).neg();
      nll = nll.mul(1 - labelSmoothing).add(uniform.mul(labelSmoothing));
    }
    return reduceKept(nll, kept, reduction);
  }

  static Tensor nllLoss(
      Tensor logProbabilities, Tensor target, long ignoreIndex, Reduction reduction) {
    String fn = "nllLoss";
    Checks.floating(logProbabilities, fn, "input");
    int classDim = classDim(logProbabilities, fn);
    checkTargetShape(logProbabilities, target, classDim, fn);
    Tensor kept = target.ne(ignoreIndex);
    Tensor nll = pickNegated(logProbabilities, withoutIgnored(target, kept), classDim);
    return reduceKept(nll, kept, reduction);
  }

  /** Ignored targets point at class 0 instead, so that the gather stays in range. */
  private static Tensor withoutIgnored(Tensor target, Tensor kept) {
    return Tensor.where(kept, target, Tensor.zeros(target.dtype(), target.shape()));
  }

  /**
   * Ignored positions contribute 0, and the mean is over the kept ones (as PyTorch; all ignored
   * gives 0/0 = NaN there too).
   */
  private static Tensor reduceKept(Tensor perTarget, Tensor kept, Reduction reduction) {
    Tensor masked = Tensor.where(kept, perTarget, 0.0);
    if (reduction == Reduction.MEAN) {
      return masked.sum().div(kept.astype(perTarget.dtype()).sum());
    }
    return reduction.apply(masked);
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

  /** Integer targets of the scores' shape without the class dimension. */
  private static void checkTargetShape(Tensor scores, Tensor target, int classDim, String fn) {
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
  }

  /** {@code -scores[..., target, ...]} along {@code classDim}. */
  private static Tensor pickNegated(Tensor scores, Tensor target, int classDim) {
    return scores.gather(classDim, target.unsqueeze(classDim)).squeeze(classDim).neg();
  }
}
