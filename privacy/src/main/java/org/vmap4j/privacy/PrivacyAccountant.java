package org.vmap4j.privacy;

/**
 * Tracks the privacy spent by a sequence of steps of the Poisson-subsampled Gaussian mechanism
 * (each example kept independently with probability {@code sampleRate}, its contribution clipped to
 * norm {@code C}, the sum noised with {@code N(0, noiseMultiplier^2 C^2)}), under add-or-remove one
 * example adjacency, and reports the {@code (epsilon, delta)} guarantee of the whole sequence.
 *
 * <p>Every implementation reports an upper bound: the true {@code epsilon} for a {@code delta} is
 * never larger than the one returned. Accountants are mutable and not thread-safe.
 */
public interface PrivacyAccountant {

  /**
   * Records {@code steps} further steps, each with noise multiplier {@code noiseMultiplier}
   * (standard deviation of the noise over the clipping norm) and sampling rate {@code sampleRate};
   * steps of different parameters compose. Returns this accountant.
   *
   * @throws IllegalArgumentException if {@code noiseMultiplier} is not positive and finite, {@code
   *     sampleRate} is outside {@code [0, 1]} or {@code steps} is negative
   */
  PrivacyAccountant step(double noiseMultiplier, double sampleRate, long steps);

  /**
   * The smallest {@code epsilon >= 0} this accountant can certify for {@code delta}, or {@code
   * +infinity} if it certifies none.
   *
   * @throws IllegalArgumentException if {@code delta} is outside {@code (0, 1)}
   */
  double epsilon(double delta);

  /**
   * The smallest {@code delta} this accountant can certify for {@code epsilon}.
   *
   * @throws IllegalArgumentException if {@code epsilon} is negative or not finite
   */
  double delta(double epsilon);
}
