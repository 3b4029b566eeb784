package org.vmap4j.privacy;

/**
 * Privacy-loss-distribution accountant for the Poisson-subsampled Gaussian mechanism: keeps the
 * distribution of the privacy loss of all steps so far, discretized on a grid of losses spaced by
 * {@code discretizationInterval}, composed by FFT convolution (Koskela, Jälkö and Honkela 2020;
 * Meiser and Mohammadi 2018), for both ordered pairs of add-or-remove adjacency; the reported
 * {@code epsilon} is the larger of the two.
 *
 * <p><b>Upper bound.</b> Each step's distribution is discretized by "connecting the dots"
 * (Doroshenko, Ghazi, Kamath, Kumar and Manurangsi 2022): its {@code delta(epsilon)} equals the
 * exact one at the grid points and lies above it in between, and it is dominated by the
 * distribution with every loss rounded up to the grid. Tails cut after each convolution move upward
 * (to the lowest kept point, or to an infinite loss that counts fully in {@code delta}). So the
 * reported {@code epsilon} is never below the exact one, and exceeds it after {@code k} steps by at
 * most {@code k * discretizationInterval} (plus the effect of the at most about {@code 1e-15 * (2 +
 * 4 log2 k)} of mass cut from the tails, and of a {@code 1e-6} relative allowance on {@code delta}
 * for floating-point error). In practice it is far closer than that bound.
 *
 * <p><b>Cost.</b> One step is represented by about {@code (loss range) / discretizationInterval}
 * points (from hundreds to a few hundred thousand at the default {@code 1e-4}); {@code step(σ, q,
 * k)} takes {@code O(log k)} FFTs over arrays as long as the composed distribution, whose width
 * grows like {@code sqrt(k)}. Halving the interval doubles memory and time and halves the bound on
 * the discretization error.
 */
public final class PldAccountant implements PrivacyAccountant {

  /**
   * The relative allowance for floating-point error added to every {@code delta}: the single-step
   * distributions are built from differences of normal CDFs (accurate to about 13 digits) over
   * cells of width {@code h}, which leaves relative errors of order {@code 1e-13 / h} in the cell
   * masses; their effect on {@code delta}, measured against the exact Gaussian mechanism, is about
   * {@code 1e-8} relative, a hundred times below this allowance.
   */
  static final double FLOATING_POINT_ALLOWANCE = 1e-6;

  /** The default grid spacing of privacy losses. */
  public static final double DEFAULT_DISCRETIZATION_INTERVAL = 1e-4;

  private final double interval;
  private PrivacyLossDistribution remove;
  private PrivacyLossDistribution add;
  private long steps;

  /** An accountant on the default grid, {@value #DEFAULT_DISCRETIZATION_INTERVAL}. */
  public PldAccountant() {
    this(DEFAULT_DISCRETIZATION_INTERVAL);
  }

  /**
   * An accountant whose privacy losses are rounded up to multiples of {@code
   * discretizationInterval}.
   *
   * @throws IllegalArgumentException if the interval is not positive and finite
   */
  public PldAccountant(double discretizationInterval) {
    if (!(discretizationInterval > 0) || Double.isInfinite(discretizationInterval)) {
      throw new IllegalArgumentException(
          "discretizationInterval must be positive and finite (e.g. "
              + DEFAULT_DISCRETIZATION_INTERVAL
              + "), got "
              + discretizationInterval);
    }
    this.interval = discretizationInterval;
    this.remove = PrivacyLossDistribution.identity(interval);
    this.add = PrivacyLossDistribution.identity(interval);
  }

  @Override
  public PldAccountant step(double noiseMultiplier, double sampleRate, long steps) {
    Checks.step(noiseMultiplier, sampleRate, steps);
    if (steps == 0 || sampleRate == 0) {
      return this;
    }
    SampledGaussianPld.Pair one =
        SampledGaussianPld.discretize(noiseMultiplier, sampleRate, interval);
    remove = remove.compose(one.remove().selfCompose(steps));
    add = add.compose(one.add().selfCompose(steps));
    this.steps += steps;
    return this;
  }

  @Override
  public double epsilon(double delta) {
    Checks.delta(delta);
    double computed = delta / (1 + FLOATING_POINT_ALLOWANCE);
    return Math.max(remove.epsilon(computed), add.epsilon(computed));
  }

  @Override
  public double delta(double epsilon) {
    Checks.epsilon(epsilon);
    double computed = Math.max(remove.delta(epsilon), add.delta(epsilon));
    return Math.min(1, computed * (1 + FLOATING_POINT_ALLOWANCE));
  }

  /** The grid spacing of privacy losses. */
  public double discretizationInterval() {
    return interval;
  }

  /** The number of steps recorded so far. */
  public long steps() {
    return steps;
  }

  @Override
  public String toString() {
    return "PldAccountant(interval " + interval + ", " + steps + " steps)";
  }
}
