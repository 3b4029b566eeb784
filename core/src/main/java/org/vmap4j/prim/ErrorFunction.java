package org.vmap4j.prim;

/**
 * The error function in double precision, within 2 ulp of the exact value everywhere (checked
 * against 200-bit references by {@code ErfTest}). Java has no {@code Math.erf}; the {@link
 * Unary#ERF} kernels call {@link #erf(double)} from their generated loops, so it is public.
 *
 * <ul>
 *   <li>|x| &lt; 1: the Maclaurin series {@code erf(x) = 2/sqrt(pi) * sum (-1)^n x^(2n+1) / (n!
 *       (2n+1))}, summed by Horner's rule in x² (the terms fall by at least 1/n, so 20 suffice).
 *   <li>1 &le; |x| &lt; 6: {@code erf = 1 - erfc}, with erfc from its Taylor polynomial about the
 *       nearest of the centers 1, 1 + 1/8, ..., 6 (|h| &le; 1/16). The derivatives of erfc are
 *       Hermite polynomials times a Gaussian, {@code erfc^(k+1)(c) = -2/sqrt(pi) (-1)^k H_k(c)
 *       exp(-c²)}, so each center's 14 coefficients follow from erfc(c) and the Hermite recurrence;
 *       erfc(c) itself comes, once per center at class initialization, from Laplace's continued
 *       fraction, which is accurate but needs up to 260 divisions per value.
 *   <li>|x| &ge; 6: erf(x) rounds to ±1 (erfc(6) is 2e-17).
 * </ul>
 */
public final class ErrorFunction {
  private static final double TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
  private static final double SQRT_PI = Math.sqrt(Math.PI);

  /** {@code (-1)^n / (n! (2n+1))}: the Maclaurin coefficients of erf(x)·sqrt(pi)/(2x) in x². */
  private static final double[] MACLAURIN = maclaurin(20);

  private static final int CENTERS_PER_UNIT = 8;
  private static final int TAYLOR_TERMS = 14;

  /** Row i: the Taylor coefficients of erfc about {@code 1 + i/8}, constant term first. */
  private static final double[][] TAYLOR = taylorTables();

  private ErrorFunction() {}

  /** erf(x); odd, NaN for NaN, ±1 at ±infinity. */
  public static double erf(double x) {
    return erf(x, MACLAURIN.length, TAYLOR_TERMS);
  }

  /**
   * erf(x) accurate enough for a float result: {@code (float) erfForFloat(x)} is within 1 float ulp
   * of {@code (float) erf(x)} (checked for every float of [-7, 7] once, 1890 of them 1 ulp apart;
   * {@code ErfTest} checks every 61st), from the same expansions cut short ({@value
   * #FLOAT_MACLAURIN_TERMS} Maclaurin terms, leaving under 1e-10; {@value #FLOAT_TAYLOR_TERMS}
   * Taylor terms with |h| &le; 1/16). Half the multiply-adds of {@link #erf}: F32 kernels (GELU's)
   * call this one.
   */
  public static double erfForFloat(double x) {
    return erf(x, FLOAT_MACLAURIN_TERMS, FLOAT_TAYLOR_TERMS);
  }

  /**
   * erf(x) from the first {@code maclaurinTerms} Maclaurin coefficients below 1 and the first
   * {@code taylorTerms} Taylor coefficients of erfc about the nearest center from 1 to 6.
   */
  private static double erf(double x, int maclaurinTerms, int taylorTerms) {
    if (Double.isNaN(x)) {
      return x;
    }
    double a = Math.abs(x);
    double r;
    if (a < 1) {
      double z = a * a;
      double s = MACLAURIN[maclaurinTerms - 1];
      for (int n = maclaurinTerms - 2; n >= 0; n--) {
        s = s * z + MACLAURIN[n];
      }
      r = TWO_OVER_SQRT_PI * (a * s);
    } else if (a < 6) {
      int i = (int) ((a - 1) * CENTERS_PER_UNIT + 0.5);
      double h = a - (1 + (double) i / CENTERS_PER_UNIT);
      double[] p = TAYLOR[i];
      double q = p[taylorTerms - 1];
      for (int k = taylorTerms - 2; k >= 1; k--) {
        q = q * h + p[k];
      }
      // 1 - erfc(c) first: erfc(c) <= 0.16, so the larger part is exact up to one rounding
      r = (1 - p[0]) - h * q;
    } else {
      r = 1;
    }
    return Math.copySign(r, x);
  }

  private static final int FLOAT_MACLAURIN_TERMS = 12;
  private static final int FLOAT_TAYLOR_TERMS = 8;

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

  private static double[][] taylorTables() {
    int centers = 5 * CENTERS_PER_UNIT + 1;
    double[][] t = new double[centers][];
    for (int i = 0; i < centers; i++) {
      double c = 1 + (double) i / CENTERS_PER_UNIT;
      double[] p = new double[TAYLOR_TERMS];
      p[0] = erfcContinuedFraction(c);
      double gaussian = TWO_OVER_SQRT_PI * expMinusSquare(c);
      double hermitePrevious = 0; // H_{k-1}(c)
      double hermite = 1; // H_k(c)
      double factorial = 1; // (k+1)!
      for (int k = 0; k + 1 < TAYLOR_TERMS; k++) {
        factorial *= k + 1;
        p[k + 1] = -gaussian * (k % 2 == 0 ? hermite : -hermite) / factorial;
        double next = 2 * c * hermite - 2 * k * hermitePrevious;
        hermitePrevious = hermite;
        hermite = next;
      }
      t[i] = p;
    }
    return t;
  }

  /**
   * erfc(a) for a &ge; 1 from Laplace's continued fraction {@code erfc(a) = exp(-a²)/sqrt(pi) / (a
   * + (1/2)/(a + 1/(a + (3/2)/(a + ...))))}, evaluated from a fixed depth inwards; its convergence
   * slows as a falls, roughly as 1/a², hence the depth of {@code 250/a² + 10}.
   */
  private static double erfcContinuedFraction(double a) {
    double f = a;
    for (int k = (int) (250 / (a * a)) + 10; k >= 1; k--) {
      f = a + (0.5 * k) / f;
    }
    return expMinusSquare(a) / (SQRT_PI * f);
  }

  /**
   * exp(-a²) with a² = hi + lo split exactly (an FMA): exp(-hi)·exp(-lo), and exp(-lo) = 1 - lo to
   * 1e-32, so the square's rounding does not multiply into the result.
   */
  private static double expMinusSquare(double a) {
    double hi = a * a;
    double lo = Math.fma(a, a, -hi);
    return Math.exp(-hi) * (1 - lo);
  }
}
