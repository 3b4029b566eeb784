package org.vmap4j.privacy;

/**
 * The scalar functions of the normal distribution that accounting needs, accurate in both tails:
 * {@code erfc}, its logarithm, the standard normal CDF and log-space addition.
 *
 * <p>The JDK has none of them. {@code erfc(x)} is computed from a positive-term series of {@code
 * erf} below {@link #SERIES_LIMIT} (where {@code erfc >= 4.7e-3}, so {@code 1 - erf} keeps about 13
 * significant digits) and from the Laplace continued fraction above it, where the factor {@code
 * exp(-x^2)} is kept apart so that {@link #logErfc} stays finite long after {@code erfc}
 * underflows.
 */
final class NormalMath {
  private NormalMath() {}

  private static final double SQRT_PI = Math.sqrt(Math.PI);
  private static final double LOG_SQRT_PI = 0.5 * Math.log(Math.PI);
  private static final double SQRT2 = Math.sqrt(2);
  private static final double SERIES_LIMIT = 2.0;

  /** The complementary error function. */
  static double erfc(double x) {
    if (Double.isNaN(x)) {
      return Double.NaN;
    }
    if (x < 0) {
      return 2 - erfc(-x);
    }
    if (x < SERIES_LIMIT) {
      return 1 - erfSeries(x);
    }
    if (x > 27.3) { // erfc(27.3) < Double.MIN_VALUE
      return 0;
    }
    return Math.exp(-x * x) / (SQRT_PI * laplaceFraction(x));
  }

  /** {@code log(erfc(x))}, finite for every finite {@code x}. */
  static double logErfc(double x) {
    if (Double.isNaN(x)) {
      return Double.NaN;
    }
    if (x == Double.POSITIVE_INFINITY) {
      return Double.NEGATIVE_INFINITY;
    }
    if (x < SERIES_LIMIT) {
      return Math.log(erfc(x));
    }
    return -x * x - LOG_SQRT_PI - Math.log(laplaceFraction(x));
  }

  /** The standard normal CDF {@code Phi(x)}, accurate relative to its value in the lower tail. */
  static double normalCdf(double x) {
    return 0.5 * erfc(-x / SQRT2);
  }

  /** {@code log(Phi(x))}. */
  static double logNormalCdf(double x) {
    return Math.log(0.5) + logErfc(-x / SQRT2);
  }

  /** {@code log(exp(a) + exp(b))} without overflow; either may be minus infinity. */
  static double logAddExp(double a, double b) {
    double hi = Math.max(a, b);
    if (hi == Double.NEGATIVE_INFINITY) {
      return hi;
    }
    double lo = Math.min(a, b);
    return hi + Math.log1p(Math.exp(lo - hi));
  }

  /**
   * {@code erf(x) = 2x/sqrt(pi) exp(-x^2) sum_n (2x^2)^n / (1*3*...*(2n+1))}: every term is
   * positive, so nothing cancels (unlike the alternating Taylor series).
   */
  private static double erfSeries(double x) {
    double x2 = x * x;
    double term = 1;
    double sum = 1;
    for (int n = 0; n < 500; n++) {
      term *= 2 * x2 / (2 * n + 3);
      sum += term;
      if (term < 1e-17 * sum) {
        break;
      }
    }
    return 2 * x / SQRT_PI * Math.exp(-x2) * sum;
  }

  /**
   * The continued fraction {@code x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...))))}, equal to {@code
   * exp(-x^2) / (sqrt(pi) erfc(x))}, evaluated by the modified Lentz method; for {@code x >= 2} it
   * converges in well under a hundred terms.
   */
  private static double laplaceFraction(double x) {
    final double tiny = 1e-300;
    double f = x;
    double c = f;
    double d = 0;
    for (int n = 1; n < 10_000; n++) {
      double a = 0.5 * n;
      d = x + a * d;
      if (d == 0) {
        d = tiny;
      }
      c = x + a / c;
      if (c == 0) {
        c = tiny;
      }
      d = 1 / d;
      double step = c * d;
      f *= step;
      if (Math.abs(step - 1) < 1e-16) {
        return f;
      }
    }
    throw new ArithmeticException("erfc continued fraction did not converge at x = " + x);
  }
}
