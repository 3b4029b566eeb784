package org.vmap4j.examples;

import static org.vmap4j.Func.grad;
import static org.vmap4j.Func.jit;

import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.vmap4j.DType;
import org.vmap4j.Tensor;

/**
 * A small MLP for the digits: 64 pixels, 32 tanh units, 10 logits, softmax cross-entropy. The same
 * functions serve one example ({@code [64]} pixels, a scalar digit) and a batch ({@code [N, 64]},
 * {@code [N]}).
 */
final class DigitsMlp {
  private DigitsMlp() {}

  static final int HIDDEN = 32;

  /** The parameters; {@code w1} is {@code [64, 32]}, {@code w2} is {@code [32, 10]}. */
  record Params(Tensor w1, Tensor b1, Tensor w2, Tensor b2) {
    int size() {
      return w1.size() + b1.size() + w2.size() + b2.size();
    }
  }

  /** Normal weights scaled by 1/sqrt(fan-in), zero biases, from a fixed seed. */
  static Params init(long seed) {
    return new Params(
        Tensor.randomNormal(seed, DType.F64, Digits.PIXELS, HIDDEN).div(Math.sqrt(Digits.PIXELS)),
        Tensor.zeros(DType.F64, HIDDEN),
        Tensor.randomNormal(seed + 1, DType.F64, HIDDEN, Digits.CLASSES).div(Math.sqrt(HIDDEN)),
        Tensor.zeros(DType.F64, Digits.CLASSES));
  }

  static Tensor logits(Params p, Tensor pixels) {
    return pixels.matmul(p.w1()).add(p.b1()).tanh().matmul(p.w2()).add(p.b2());
  }

  /** Cross-entropy, averaged over the batch (for one example: that example's loss). */
  static Tensor loss(Params p, Tensor pixels, Tensor digits) {
    Tensor logits = logits(p, pixels);
    int classes = logits.ndim() - 1;
    Tensor oneHot = Tensor.arange(Digits.CLASSES).eq(digits.unsqueeze(digits.ndim()));
    return logits.logSoftmax(classes).mul(oneHot.astype(logits.dtype())).sum(classes).neg().mean();
  }

  /** The loss of one row of a DataFrame with columns {@code pixels} and {@code digit}. */
  static Tensor rowLoss(Params p, Map<String, Tensor> row) {
    return loss(p, row.get("pixels"), row.get("digit"));
  }

  /**
   * Full-batch gradient descent from {@link #init}; the gradient is compiled once with {@code jit}
   * (the data passed as arguments, so the compiled program does not embed them).
   */
  static Params train(Tensor pixels, Tensor digits, long seed, int steps, double learningRate) {
    BiFunction<Params, List<Tensor>, Params> compiled =
        jit(grad((Params p, List<Tensor> data) -> loss(p, data.get(0), data.get(1))));
    List<Tensor> data = List.of(pixels, digits);
    Function<Params, Params> gradient = p -> compiled.apply(p, data);
    Params p = init(seed);
    for (int i = 0; i < steps; i++) {
      Params g = gradient.apply(p);
      p =
          new Params(
              p.w1().sub(g.w1().mul(learningRate)),
              p.b1().sub(g.b1().mul(learningRate)),
              p.w2().sub(g.w2().mul(learningRate)),
              p.b2().sub(g.b2().mul(learningRate)));
    }
    return p;
  }

  /** Each row's predicted digit. */
  static int[] predict(Params p, Tensor pixels) {
    return logits(p, pixels).argmax(1).astype(DType.I32).toIntArray();
  }
}
