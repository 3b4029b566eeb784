package org.vmap4j.spark.dp;

import java.security.SecureRandom;
import java.util.Random;

/**
 * The driver's source of the Gaussian noise added to each step's clipped gradient sum. DP holds
 * only if an attacker cannot predict the draws: production runs use {@link SecureRandom}; a seeded
 * {@link Random} exists for tests that must reproduce a step exactly, and is named insecure.
 */
final class GaussianNoise {
  private final Random random;
  private final boolean secure;

  private GaussianNoise(Random random, boolean secure) {
    this.random = random;
    this.secure = secure;
  }

  static GaussianNoise secure() {
    return new GaussianNoise(new SecureRandom(), true);
  }

  /** Predictable noise from {@code new Random(seed)}: no privacy, for tests only. */
  static GaussianNoise insecureSeeded(long seed) {
    return new GaussianNoise(new Random(seed), false);
  }

  boolean isSecure() {
    return secure;
  }

  /** Adds {@code N(0, stddev^2)} to every coordinate, in index order. */
  void addTo(double[] sum, double stddev) {
    for (int i = 0; i < sum.length; i++) {
      sum[i] += stddev * random.nextGaussian();
    }
  }
}
