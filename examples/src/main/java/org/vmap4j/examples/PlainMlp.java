package org.vmap4j.examples;

/**
 * The digits MLP of {@link DigitsMlp} written again with plain loops over {@code double[]}, with
 * its gradient derived by hand (backpropagation): the independent reference for the per-sample
 * gradients. Parameters and gradients are flat in the pytree order of {@link DigitsMlp.Params}:
 * {@code w1} row-major, {@code b1}, {@code w2} row-major, {@code b2}.
 */
final class PlainMlp {
  private static final int IN = Digits.PIXELS;
  private static final int HIDDEN = DigitsMlp.HIDDEN;
  private static final int OUT = Digits.CLASSES;
  private static final int B1 = IN * HIDDEN;
  private static final int W2 = B1 + HIDDEN;
  private static final int B2 = W2 + HIDDEN * OUT;
  static final int SIZE = B2 + OUT;

  private PlainMlp() {}

  /** Cross-entropy of one example. */
  static double loss(double[] params, double[] pixels, int digit) {
    double[] hidden = hidden(params, pixels);
    double[] logits = logits(params, hidden);
    return logSumExp(logits) - logits[digit];
  }

  /** The gradient of {@link #loss} with respect to the flat parameters. */
  static double[] gradient(double[] params, double[] pixels, int digit) {
    double[] hidden = hidden(params, pixels);
    double[] logits = logits(params, hidden);
    double lse = logSumExp(logits);
    double[] dLogits = new double[OUT]; // softmax - one-hot
    for (int k = 0; k < OUT; k++) {
      dLogits[k] = Math.exp(logits[k] - lse) - (k == digit ? 1 : 0);
    }
    double[] g = new double[SIZE];
    double[] dHidden = new double[HIDDEN];
    for (int j = 0; j < HIDDEN; j++) {
      double s = 0;
      for (int k = 0; k < OUT; k++) {
        g[W2 + j * OUT + k] = hidden[j] * dLogits[k];
        s += params[W2 + j * OUT + k] * dLogits[k];
      }
      dHidden[j] = s * (1 - hidden[j] * hidden[j]); // tanh' = 1 - tanh^2
    }
    System.arraycopy(dLogits, 0, g, B2, OUT);
    for (int i = 0; i < IN; i++) {
      for (int j = 0; j < HIDDEN; j++) {
        g[i * HIDDEN + j] = pixels[i] * dHidden[j];
      }
    }
    System.arraycopy(dHidden, 0, g, B1, HIDDEN);
    return g;
  }

  private static double[] hidden(double[] p, double[] x) {
    double[] h = new double[HIDDEN];
    for (int j = 0; j < HIDDEN; j++) {
      double s = p[B1 + j];
      for (int i = 0; i < IN; i++) {
        s += x[i] * p[i * HIDDEN + j];
      }
      h[j] = Math.tanh(s);
    }
    return h;
  }

  private static double[] logits(double[] p, double[] h) {
    double[] z = new double[OUT];
    for (int k = 0; k < OUT; k++) {
      double s = p[B2 + k];
      for (int j = 0; j < HIDDEN; j++) {
        s += h[j] * p[W2 + j * OUT + k];
      }
      z[k] = s;
    }
    return z;
  }

  private static double logSumExp(double[] z) {
    double max = Double.NEGATIVE_INFINITY;
    for (double v : z) {
      max = Math.max(max, v);
    }
    double s = 0;
    for (double v : z) {
      s += Math.exp(v - max);
    }
    return max + Math.log(s);
  }
}
