package org.vmap4j.privacy;

import java.util.function.Supplier;

/**
 * The smallest noise multiplier that keeps a training run within a target {@code (epsilon, delta)},
 * by any accountant.
 *
 * <p>The reported {@code epsilon} decreases as the noise multiplier grows, so the answer is found
 * by doubling to bracket it and then bisection down to {@code tolerance}; the upper end of the
 * final bracket is returned, so the result is rounded up: it always meets the target, and is at
 * most {@code tolerance} above the exact smallest multiplier the accountant accepts. Each probe
 * runs a fresh accountant, so the cost is about {@code log2(range / tolerance)} accountings.
 */
public final class NoiseCalibration {
  private NoiseCalibration() {}

  /** The tolerance of {@link #noiseMultiplier(Supplier, double, double, double, long)}. */
  public static final double DEFAULT_TOLERANCE = 1e-3;

  /** The largest multiplier tried before giving up. */
  private static final double MAX_NOISE_MULTIPLIER = 1e6;

  /** {@link #noiseMultiplier(Supplier, double, double, double, long, double)} within 1e-3. */
  public static double noiseMultiplier(
      Supplier<? extends PrivacyAccountant> accountant,
      double targetEpsilon,
      double delta,
      double sampleRate,
      long steps) {
    return noiseMultiplier(accountant, targetEpsilon, delta, sampleRate, steps, DEFAULT_TOLERANCE);
  }

  /**
   * The smallest noise multiplier, up to {@code tolerance} and rounded up, for which {@code steps}
   * steps at {@code sampleRate} cost at most {@code targetEpsilon} at {@code delta}, as reported by
   * accountants from {@code accountant} (e.g. {@code RdpAccountant::new}).
   *
   * @throws IllegalArgumentException if an argument is out of range, or no multiplier up to 1e6
   *     meets the target
   */
  public static double noiseMultiplier(
      Supplier<? extends PrivacyAccountant> accountant,
      double targetEpsilon,
      double delta,
      double sampleRate,
      long steps,
      double tolerance) {
    if (!(targetEpsilon > 0) || Double.isInfinite(targetEpsilon)) {
      throw new IllegalArgumentException(
          "targetEpsilon must be positive and finite, got " + targetEpsilon);
    }
    Checks.delta(delta);
    Checks.step(1, sampleRate, steps);
    if (!(tolerance > 0)) {
      throw new IllegalArgumentException("tolerance must be positive, got " + tolerance);
    }
    double high = 1;
    while (epsilon(accountant, high, sampleRate, steps, delta) > targetEpsilon) {
      high *= 2;
      if (high > MAX_NOISE_MULTIPLIER) {
        throw new IllegalArgumentException(
            "no noise multiplier up to "
                + MAX_NOISE_MULTIPLIER
                + " reaches epsilon "
                + targetEpsilon
                + " at delta "
                + delta
                + " for "
                + steps
                + " steps at sample rate "
                + sampleRate
                + ": raise targetEpsilon or delta, or take fewer steps");
      }
    }
    double low = high / 2;
    while (low > tolerance && epsilon(accountant, low, sampleRate, steps, delta) <= targetEpsilon) {
      high = low;
      low /= 2;
    }
    if (low <= tolerance) {
      low = 0; // bracket the answer from the bottom; a multiplier of 0 is never private
    }
    // invariant: high meets the target, low does not (or is 0)
    while (high - low > tolerance) {
      double mid = 0.5 * (low + high);
      if (epsilon(accountant, mid, sampleRate, steps, delta) <= targetEpsilon) {
        high = mid;
      } else {
        low = mid;
      }
    }
    return high;
  }

  private static double epsilon(
      Supplier<? extends PrivacyAccountant> accountant,
      double noiseMultiplier,
      double sampleRate,
      long steps,
      double delta) {
    return accountant.get().step(noiseMultiplier, sampleRate, steps).epsilon(delta);
  }
}
