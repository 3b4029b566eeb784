package org.vmap4j.privacy;

import java.util.function.DoubleUnaryOperator;

/** Adaptive Simpson quadrature: the tests' independent way to integrate densities. */
final class Quadrature {
  private Quadrature() {}

  /** Each panel is halved at most this often (a bound on the work, 2^16 evaluations a panel). */
  private static final int MAX_DEPTH = 16;

  /**
   * {@code int_a^b f} to about {@code relativeTolerance} of its value (of its absolute value's
   * integral where the sign changes), over {@code panels} panels, each refined by recursive
   * bisection with Richardson's correction. Panels must be narrow enough that no peak of {@code f}
   * falls between their first samples.
   */
  static double integrate(
      DoubleUnaryOperator f, double a, double b, double relativeTolerance, int panels) {
    double width = (b - a) / panels;
    double[] lo = new double[panels + 1];
    double[] mid = new double[panels];
    double scale = 0;
    for (int i = 0; i <= panels; i++) {
      lo[i] = f.applyAsDouble(a + i * width);
    }
    for (int i = 0; i < panels; i++) {
      mid[i] = f.applyAsDouble(a + (i + 0.5) * width);
      scale += width / 6 * (Math.abs(lo[i]) + 4 * Math.abs(mid[i]) + Math.abs(lo[i + 1]));
    }
    // never below the smallest normal double: subnormal round-off is not worth refining
    double tolerance = Math.max(relativeTolerance * scale, Double.MIN_NORMAL) / panels;
    double sum = 0;
    for (int i = 0; i < panels; i++) {
      double x0 = a + i * width;
      double whole = width / 6 * (lo[i] + 4 * mid[i] + lo[i + 1]);
      sum += refine(f, x0, x0 + width, lo[i], mid[i], lo[i + 1], whole, tolerance, MAX_DEPTH);
    }
    return sum;
  }

  private static double refine(
      DoubleUnaryOperator f,
      double a,
      double b,
      double fa,
      double fm,
      double fb,
      double whole,
      double tolerance,
      int depth) {
    double m = 0.5 * (a + b);
    double flm = f.applyAsDouble(0.5 * (a + m));
    double frm = f.applyAsDouble(0.5 * (m + b));
    double left = (m - a) / 6 * (fa + 4 * flm + fm);
    double right = (b - m) / 6 * (fm + 4 * frm + fb);
    double error = left + right - whole;
    // below about 1e-13 of the panel's value the estimates differ by round-off only
    double noise = 1e-13 * (Math.abs(left) + Math.abs(right));
    if (depth <= 0 || Math.abs(error) <= Math.max(15 * tolerance, noise)) {
      return left + right + error / 15;
    }
    return refine(f, a, m, fa, flm, fm, left, tolerance / 2, depth - 1)
        + refine(f, m, b, fm, frm, fb, right, tolerance / 2, depth - 1);
  }
}
