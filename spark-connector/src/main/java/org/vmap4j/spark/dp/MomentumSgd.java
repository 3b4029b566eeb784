package org.vmap4j.spark.dp;

import java.util.Map;

/**
 * SGD with (heavy-ball) momentum on flat vectors: {@code v = momentum * v + g; theta -= lr * v}.
 * With momentum 0 it is plain SGD. The velocity is the optimizer's whole state.
 */
final class MomentumSgd implements FlatOptimizer {
  static final String NAME = "sgd";
  static final String VELOCITY = "velocity";

  private final double learningRate;
  private final double momentum;
  private final double[] velocity;

  MomentumSgd(double learningRate, double momentum, double[] velocity) {
    this.learningRate = learningRate;
    this.momentum = momentum;
    this.velocity = velocity;
  }

  @Override
  public void update(double[] params, double[] gradient, long update) {
    for (int i = 0; i < params.length; i++) {
      velocity[i] = momentum * velocity[i] + gradient[i];
      params[i] -= learningRate * velocity[i];
    }
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Map<String, double[]> state() {
    return Map.of(VELOCITY, velocity.clone());
  }
}
