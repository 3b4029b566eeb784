package org.vmap4j.spark.dp;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Adam (Kingma and Ba, 2015) on flat vectors, with bias correction: at update {@code k},
 *
 * <pre>
 * m = β1 m + (1 - β1) g          v = β2 v + (1 - β2) g²
 * θ -= lr · (m / (1 - β1^k)) / (sqrt(v / (1 - β2^k)) + eps)
 * </pre>
 *
 * The moments {@code m} and {@code v} are the state; {@code k} is the update count, which a resumed
 * run recovers from the checkpoint's step.
 */
final class Adam implements FlatOptimizer {
  static final String NAME = "adam";
  static final String FIRST_MOMENT = "adam_m";
  static final String SECOND_MOMENT = "adam_v";

  private final double learningRate;
  private final double beta1;
  private final double beta2;
  private final double epsilon;
  private final double[] m;
  private final double[] v;

  Adam(double learningRate, double beta1, double beta2, double epsilon, double[] m, double[] v) {
    this.learningRate = learningRate;
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.epsilon = epsilon;
    this.m = m;
    this.v = v;
  }

  @Override
  public void update(double[] params, double[] gradient, long update) {
    double firstCorrection = 1 - Math.pow(beta1, update);
    double secondCorrection = 1 - Math.pow(beta2, update);
    for (int i = 0; i < params.length; i++) {
      double g = gradient[i];
      m[i] = beta1 * m[i] + (1 - beta1) * g;
      v[i] = beta2 * v[i] + (1 - beta2) * g * g;
      double mHat = m[i] / firstCorrection;
      double vHat = v[i] / secondCorrection;
      params[i] -= learningRate * mHat / (Math.sqrt(vHat) + epsilon);
    }
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Map<String, double[]> state() {
    Map<String, double[]> s = new LinkedHashMap<>();
    s.put(FIRST_MOMENT, m.clone());
    s.put(SECOND_MOMENT, v.clone());
    return s;
  }
}
