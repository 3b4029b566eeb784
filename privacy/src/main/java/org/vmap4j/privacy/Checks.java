package org.vmap4j.privacy;

/** Argument checks shared by the accountants, each naming the argument and the allowed range. */
final class Checks {
  private Checks() {}

  static void step(double noiseMultiplier, double sampleRate, long steps) {
    if (!(noiseMultiplier > 0) || Double.isInfinite(noiseMultiplier)) {
      throw new IllegalArgumentException(
          "noiseMultiplier must be positive and finite (the noise standard deviation over the"
              + " clipping norm), got "
              + noiseMultiplier);
    }
    if (!(sampleRate >= 0 && sampleRate <= 1)) {
      throw new IllegalArgumentException(
          "sampleRate must be in [0, 1] (the probability that a step includes an example), got "
              + sampleRate);
    }
    if (steps < 0) {
      throw new IllegalArgumentException("steps must be >= 0, got " + steps);
    }
  }

  static void delta(double delta) {
    if (!(delta > 0 && delta < 1)) {
      throw new IllegalArgumentException("delta must be in (0, 1), got " + delta);
    }
  }

  static void epsilon(double epsilon) {
    if (!(epsilon >= 0) || Double.isInfinite(epsilon)) {
      throw new IllegalArgumentException("epsilon must be >= 0 and finite, got " + epsilon);
    }
  }
}
