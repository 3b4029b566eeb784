package org.vmap4j.spark.dp;

import java.security.SecureRandom;
import java.util.Random;

/**
 * The driver's source of the Gaussian noise added to each step's clipped gradient sum. DP holds
 * only if an attacker cannot predict the draws: production runs use {@link SecureRandom}; a seeded
 * {@link Random} exists for tests that must reproduce a step exactly, and is named insecure.
 */
final class GaussianNoise {
  private final SecureRandom secure;
  private final long insecureSeed;

  private GaussianNoise(SecureRandom secure, long insecureSeed) {
    this.secure = secure;
    this.insecureSeed = insecureSeed;
  }

  static GaussianNoise secure() {
    return new GaussianNoise(new SecureRandom(), 0);
  }

  /**
   * Predictable noise: step {@code t} draws from {@code new Random(StepSeeds.forStep(seed, t))}, so
   * a resumed run draws what an uninterrupted one would. No privacy, for tests only.
   */
  static GaussianNoise insecureSeeded(long seed) {
    return new GaussianNoise(null, seed);
  }

  boolean isSecure() {
    return secure != null;
  }

  /** Adds {@code N(0, stddev^2)} to every coordinate, in index order, for step {@code step}. */
  void addTo(double[] sum, double stddev, long step) {
    Random random = secure != null ? secure : new Random(StepSeeds.forStep(insecureSeed, step));
    for (int i = 0; i < sum.length; i++) {
      sum[i] += stddev * random.nextGaussian();
    }
  }
}
