package org.vmap4j.privacy;

/**
 * A discretized privacy loss distribution (PLD): the distribution of the privacy loss {@code
 * log(P(o)/Q(o))}, {@code o ~ P}, of one ordered pair of output distributions, on the grid {@code h
 * * Z}. It holds probability mass {@code pmf[i]} at loss {@code (offset + i) * h}, and {@code
 * infinityMass} at loss {@code +infinity} (outputs that only {@code P} produces, and every mass
 * this class chose not to track). Immutable.
 *
 * <p>Every operation here moves mass only towards larger losses (lower tails gathered at the lowest
 * kept point, upper tails sent to infinity). Since {@code delta(eps) = E[(1 - exp(eps - L))+]}
 * increases with {@code L}, the {@code delta} of a distribution so moved is never smaller than the
 * original's, and sums of independent losses keep that order: composition stays an upper bound.
 */
final class PrivacyLossDistribution {

  /** Mass below which a tail is cut (and accounted pessimistically) at each composition. */
  static final double TAIL_MASS = 1e-15;

  final double interval;
  final long offset;
  final double[] pmf;
  final double infinityMass;

  PrivacyLossDistribution(double interval, long offset, double[] pmf, double infinityMass) {
    this.interval = interval;
    this.offset = offset;
    this.pmf = pmf;
    this.infinityMass = infinityMass;
  }

  /** The distribution of no mechanism at all: loss 0 with probability 1. */
  static PrivacyLossDistribution identity(double interval) {
    return new PrivacyLossDistribution(interval, 0, new double[] {1}, 0);
  }

  /** The PLD of running both mechanisms (the sum of their independent losses). */
  PrivacyLossDistribution compose(PrivacyLossDistribution other) {
    double[] sum = Fft.convolve(pmf, other.pmf);
    double infinity = infinityMass + other.infinityMass - infinityMass * other.infinityMass;
    return new PrivacyLossDistribution(interval, offset + other.offset, sum, infinity)
        .truncateTails();
  }

  /** The PLD of {@code times} runs of this mechanism, by repeated squaring. */
  PrivacyLossDistribution selfCompose(long times) {
    PrivacyLossDistribution result = identity(interval);
    PrivacyLossDistribution power = this;
    for (long k = times; k > 0; k >>= 1) {
      if ((k & 1) != 0) {
        result = result.compose(power);
      }
      if (k > 1) {
        power = power.compose(power);
      }
    }
    return result;
  }

  /**
   * Drops at most {@link #TAIL_MASS} from each end: the lower tail is gathered at the lowest kept
   * point and the upper tail joins the infinity mass, both moves upward in loss.
   */
  PrivacyLossDistribution truncateTails() {
    int lo = 0;
    double lowerTail = 0;
    while (lo < pmf.length - 1 && lowerTail + pmf[lo] <= TAIL_MASS) {
      lowerTail += pmf[lo++];
    }
    int hi = pmf.length - 1;
    double upperTail = 0;
    while (hi > lo && upperTail + pmf[hi] <= TAIL_MASS) {
      upperTail += pmf[hi--];
    }
    if (lo == 0 && hi == pmf.length - 1) {
      return this;
    }
    double[] kept = java.util.Arrays.copyOfRange(pmf, lo, hi + 1);
    kept[0] += lowerTail;
    return new PrivacyLossDistribution(interval, offset + lo, kept, infinityMass + upperTail);
  }

  double loss(int i) {
    return (offset + i) * interval;
  }

  /**
   * The hockey-stick divergence {@code delta(eps) = infinityMass + sum p_i (1 - e^(eps - L_i))+}.
   */
  double delta(double epsilon) {
    double delta = infinityMass;
    for (int i = pmf.length - 1; i >= 0 && loss(i) > epsilon; i--) {
      delta += pmf[i] * -Math.expm1(epsilon - loss(i));
    }
    return Math.min(1, delta);
  }

  /**
   * The smallest {@code eps >= 0} with {@code delta(eps) <= delta}. Between grid points {@code
   * delta(eps) = A - e^eps B} with {@code A} the mass and {@code B = sum p_i e^(-L_i)} over the
   * points above, so walking down from the top the answer is solved exactly in its interval.
   */
  double epsilon(double delta) {
    if (infinityMass >= delta) {
      return Double.POSITIVE_INFINITY;
    }
    double massAbove = infinityMass;
    double weightedAbove = 0; // sum p_i exp(-L_i) over the points above
    for (int i = pmf.length - 1; i >= 0; i--) {
      double top = loss(i);
      if (top <= 0) {
        break;
      }
      massAbove += pmf[i];
      weightedAbove += pmf[i] * Math.exp(-top);
      double bottom = Math.max(0, i > 0 ? loss(i - 1) : 0);
      double deltaAtBottom = massAbove - Math.exp(bottom) * weightedAbove;
      if (deltaAtBottom > delta) {
        // the crossing lies in (bottom, top]
        return Math.min(top, Math.max(bottom, Math.log((massAbove - delta) / weightedAbove)));
      }
    }
    return 0;
  }
}
