package org.vmap4j.privacy;

/**
 * Rényi differential privacy of one step of the Poisson-subsampled Gaussian mechanism, after
 * Mironov, Talwar and Zhang (2019), "Rényi Differential Privacy of the Sampled Gaussian Mechanism".
 *
 * <p>With sensitivity scaled to 1, noise {@code N(0, sigma^2)} and sampling rate {@code q}, the
 * output distribution is {@code mu0 = N(0, sigma^2)} on one side and the mixture {@code mu = (1-q)
 * mu0 + q mu1}, {@code mu1 = N(1, sigma^2)}, on the other. The RDP at order {@code alpha} is {@code
 * log(A_alpha) / (alpha - 1)} with {@code A_alpha = E_{z ~ mu0}[(mu(z)/mu0(z))^alpha]} (the paper
 * shows this direction dominates the other). Everything is computed in log space, so large orders
 * and tiny rates neither overflow nor lose the result to rounding.
 */
final class SampledGaussianRdp {
  private SampledGaussianRdp() {}

  /**
   * A term of the fractional series below this fraction of the running sum ends the series; the
   * omitted tail is then bounded by (and charged as) the last terms' magnitude.
   */
  private static final double LOG_RELATIVE_CUTOFF = -36;

  private static final int MAX_SERIES_TERMS = 5_000_000;

  /** The RDP at {@code order} of one step. */
  static double rdp(double noiseMultiplier, double sampleRate, double order) {
    if (sampleRate == 0) {
      return 0;
    }
    double sigma2 = noiseMultiplier * noiseMultiplier;
    if (order == Math.rint(order)) {
      return logAIntegerOrder(sigma2, sampleRate, (long) order) / (order - 1);
    }
    if (sampleRate == 1) {
      // the unsampled Gaussian: the fractional series below needs a finite split point
      return order / (2 * sigma2);
    }
    return logAFractionalOrder(noiseMultiplier, sampleRate, order) / (order - 1);
  }

  /**
   * For an integer order the binomial expansion of {@code ((1-q) + q mu1/mu0)^alpha} is finite and
   * {@code E_mu0[(mu1/mu0)^k] = exp((k^2 - k) / (2 sigma^2))}, so {@code A_alpha = sum_k C(alpha,
   * k) (1-q)^(alpha-k) q^k exp((k^2-k)/(2 sigma^2))}: a log-sum-exp of positive terms.
   */
  static double logAIntegerOrder(double sigma2, double q, long alpha) {
    double logQ = Math.log(q);
    double log1mQ = Math.log1p(-q);
    double logBinomial = 0; // log C(alpha, 0)
    double logA = Double.NEGATIVE_INFINITY;
    for (long k = 0; k <= alpha; k++) {
      double logTerm =
          logBinomial
              + times(k, logQ)
              + times(alpha - k, log1mQ)
              + (double) (k * k - k) / (2 * sigma2);
      logA = NormalMath.logAddExp(logA, logTerm);
      // C(alpha, k+1) = C(alpha, k) (alpha - k) / (k + 1)
      logBinomial += Math.log(alpha - k) - Math.log(k + 1);
    }
    return logA;
  }

  /**
   * For a fractional order, split the integral at {@code z0}, where {@code q mu1 = (1-q) mu0}.
   * Below it {@code (1-q)} dominates and {@code ((1-q) + q r)^alpha} (with {@code r = mu1/mu0})
   * expands as the binomial series {@code sum_i C(alpha,i) (1-q)^(alpha-i) q^i r^i}; above it
   * {@code q r} dominates and the series is in powers of {@code (1-q)/(q r)}. Both converge
   * absolutely on their half-lines, and each power integrates in closed form against {@code mu0}:
   * {@code int_{-inf}^{z0} mu0 r^i = exp((i^2-i)/(2 sigma^2)) erfc((i - z0)/(sqrt2 sigma))/2} and
   * the mirror image with {@code j = alpha - i}. Past {@code i > alpha} the binomial coefficients
   * alternate in sign and shrink, so each half is an alternating series whose tail is smaller than
   * its first omitted term: the result adds the last terms' magnitude, making it an upper bound.
   */
  static double logAFractionalOrder(double sigma, double q, double alpha) {
    double sigma2 = sigma * sigma;
    double logQ = Math.log(q);
    double log1mQ = Math.log1p(-q);
    double z0 = sigma2 * (log1mQ - logQ) + 0.5;
    double erfcScale = Math.sqrt(2) * sigma;
    double logHalf = Math.log(0.5);

    // positive and negative parts of the signed sum, each in log space
    double logPositive = Double.NEGATIVE_INFINITY;
    double logNegative = Double.NEGATIVE_INFINITY;
    double logAbsBinomial = 0; // log |C(alpha, 0)|
    int sign = 1;
    double previousLargest = Double.POSITIVE_INFINITY;
    for (int i = 0; i < MAX_SERIES_TERMS; i++) {
      double j = alpha - i;
      double logBelow =
          logAbsBinomial
              + i * logQ
              + j * log1mQ
              + ((double) i * i - i) / (2 * sigma2)
              + logHalf
              + NormalMath.logErfc((i - z0) / erfcScale);
      double logAbove =
          logAbsBinomial
              + j * logQ
              + i * log1mQ
              + (j * j - j) / (2 * sigma2)
              + logHalf
              + NormalMath.logErfc((z0 - j) / erfcScale);
      double logTerms = NormalMath.logAddExp(logBelow, logAbove);
      if (sign > 0) {
        logPositive = NormalMath.logAddExp(logPositive, logTerms);
      } else {
        logNegative = NormalMath.logAddExp(logNegative, logTerms);
      }
      double largest = Math.max(logBelow, logAbove);
      boolean alternatingAndShrinking = i > alpha + 1 && largest < previousLargest;
      if (alternatingAndShrinking && largest < logPositive + LOG_RELATIVE_CUTOFF) {
        // the omitted tails are each at most the magnitude of their next term, itself below this
        // term's: charge both terms once more, upward
        logPositive = NormalMath.logAddExp(logPositive, logTerms);
        return logPositive + Math.log1p(-Math.exp(logNegative - logPositive));
      }
      previousLargest = largest;
      // C(alpha, i+1) = C(alpha, i) (alpha - i) / (i + 1)
      logAbsBinomial += Math.log(Math.abs(alpha - i)) - Math.log(i + 1.0);
      if (alpha - i < 0) {
        sign = -sign;
      }
    }
    throw new ArithmeticException(
        "the RDP series of the sampled Gaussian did not converge in "
            + MAX_SERIES_TERMS
            + " terms (noise multiplier "
            + sigma
            + ", sample rate "
            + q
            + ", order "
            + alpha
            + ")");
  }

  /** {@code n * logValue}, with {@code 0 * log(0) = 0} (the empty power). */
  private static double times(long n, double logValue) {
    return n == 0 ? 0 : n * logValue;
  }
}
