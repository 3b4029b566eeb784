package org.vmap4j.spark.dp;

/**
 * SGD with (heavy-ball) momentum on flat vectors: {@code v = momentum * v + g; theta -= lr * v}.
 * With momentum 0 it is plain SGD. The velocity is the optimizer's whole state.
 */
final class MomentumSgd {
  private final double learningRate;
  private final double momentum;
  private final double[] velocity;

  MomentumSgd(double learningRate, double momentum, double[] velocity) {
    this.learningRate = learningRate;
    this.momentum = momentum;
    this.velocity = velocity;
  }

  void update(double[] params, double[] gradient) {
    for (int i = 0; i < params.length; i++) {
      velocity[i] = momentum * velocity[i] + gradient[i];
      params[i] -= learningRate * velocity[i];
    }
  }

  double[] velocity() {
    return velocity.clone();
  }
}
