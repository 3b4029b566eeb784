package org.vmap4j.examples;

import org.vmap4j.Tensor;

/**
 * Logistic regression trained by full-batch gradient descent with the gradient written out by hand,
 * {@code X^T (sigmoid(X w + b) - y) / N}: the independent reference that the examples check {@code
 * grad}'s result against (example 5 of {@link Main}), and the trainer of the model whose per-sample
 * gradients the Spark example computes.
 */
public final class LogisticRegressionByHand {
  private LogisticRegressionByHand() {}

  /** Parameters of the model. */
  public record Params(Tensor w, Tensor b) {}

  /** Mean binary cross-entropy, computed stably from logits. */
  public static Tensor loss(Params p, Tensor x, Tensor y) {
    Tensor logits = x.matmul(p.w()).add(p.b());
    // log(1 + exp(z)) - y z, with log(1 + exp(z)) = log(e^0 + e^z) as a logSumExp: stable, and
    // smooth at z = 0 (max(z, 0) + log1p(exp(-|z|)) has kinks there whose derivative convention
    // gives the wrong gradient, and zero-initialised parameters put every row at z = 0)
    Tensor softplus = Tensor.stack(0, logits.mul(0), logits).logSumExp(0);
    return softplus.sub(y.mul(logits)).mean();
  }

  /** The gradient of {@link #loss} with respect to w and b, derived by hand. */
  public static Params gradient(Params p, Tensor x, Tensor y) {
    Tensor residual = x.matmul(p.w()).add(p.b()).sigmoid().sub(y);
    int n = x.shape()[0];
    return new Params(x.transpose().matmul(residual).div(n), residual.mean());
  }

  public static Params train(Tensor x, Tensor y, int steps, double learningRate) {
    Params p = new Params(Tensor.zeros(x.dtype(), x.shape()[1]), Tensor.scalar(x.dtype(), 0));
    for (int i = 0; i < steps; i++) {
      Params g = gradient(p, x, y);
      p = new Params(p.w().sub(g.w().mul(learningRate)), p.b().sub(g.b().mul(learningRate)));
    }
    return p;
  }

  /** Fraction of rows whose predicted class (logit > 0) equals the label. */
  public static double accuracy(Params p, Tensor x, Tensor y) {
    Tensor predicted = x.matmul(p.w()).add(p.b()).gt(0).astype(y.dtype());
    return predicted.eq(y).astype(y.dtype()).mean().item();
  }
}
