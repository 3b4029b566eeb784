package org.vmap4j.prim;

/**
 * The error function in double precision, within 2 ulp of the exact value everywhere (checked
 * against 200-bit references by {@code ErfTest}). Java has no {@code Math.erf}; the {@link
 * Unary#ERF} kernels call {@link #erf(double)} from their generated loops, so it is public.
 *
 * <p>Two expansions, each used where it converges fast and cancels nothing:
 *
 * <ul>
 *   <li>|x| &lt; 1: the Maclaurin series {@code erf(x) = 2/sqrt(pi) * sum (-1)^n x^(2n+1) / (n!
 *       (2n+1))}, summed by Horner's rule in x² (the terms fall by at least 1/n, so 20 suffice).
 *   <li>1 &le; |x| &lt; 6: {@code erf = 1 - erfc}, with erfc from Laplace's continued fraction
 *       {@code erfc(x) = exp(-x²)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...))))}, evaluated
 *       from a fixed depth inwards. Its convergence slows as x falls, roughly as 1/x², hence the
 *       depth of {@code 250/x² + 10}. exp(-x²) is taken of x² split exactly into a double and its
 *       rounding error (an FMA), so that the square's rounding does not multiply into the tail.
 *   <li>|x| &ge; 6: erf(x) rounds to ±1 (erfc(6) is 2e-17).
 * </ul>
 */
public final class ErrorFunction {
  private static final double TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
  private static final double SQRT_PI = Math.sqrt(Math.PI);

  /** {@code (-1)^n / (n! (2n+1))}: the Maclaurin coefficients of erf(x)·sqrt(pi)/(2x) in x². */
  private static final double[] MACLAURIN = maclaurin(20);

  private ErrorFunction() {}

  private static double[] maclaurin(int n) {
    double[] c = new double[n];
    double factorial = 1;
    for (int k = 0; k < n; k++) {
      if (k > 0) {
        factorial *= k;
      }
      c[k] = (k % 2 == 0 ? 1 : -1) / (factorial * (2 * k + 1));
    }
    return c;
  }

  /** erf(x); odd, NaN for NaN, ±1 at ±infinity. */
  public static double erf(double x) {
    if (Double.isNaN(x)) {
      return x;
    }
    double a = Math.abs(x);
    double r;
    if (a < 1) {
      double z = a * a;
      double s = MACLAURIN[MACLAURIN.length - 1];
      for (int n = MACLAURIN.length - 2; n >= 0; n--) {
        s = s * z + MACLAURIN[n];
      }
      r = TWO_OVER_SQRT_PI * (a * s);
    } else if (a < 6) {
      r = 1 - erfcContinuedFraction(a);
    } else {
      r = 1;
    }
    return Math.copySign(r, x);
  }

  /** erfc(a) for 1 &le; a &lt; 6. */
  private static double erfcContinuedFraction(double a) {
    double f = a;
    for (int k = (int) (250 / (a * a)) + 10; k >= 1; k--) {
      f = a + (0.5 * k) / f;
    }
    return expMinusSquare(a) / (SQRT_PI * f);
  }

  /** exp(-a²) with a² = hi + lo exactly: exp(-hi)·exp(-lo), and exp(-lo) = 1 - lo to 1e-32. */
  private static double expMinusSquare(double a) {
    double hi = a * a;
    double lo = Math.fma(a, a, -hi);
    return Math.exp(-hi) * (1 - lo);
  }
}
