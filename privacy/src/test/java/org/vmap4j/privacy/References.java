package org.vmap4j.privacy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.commons.math3.distribution.NormalDistribution;

/**
 * Independent references for the accountants' tests: the rows of {@code references.csv} (written by
 * {@code src/test/python/generate_references.py}), and Java computations that share nothing with
 * the main code (commons-math3's normal distribution, adaptive quadrature, bisection).
 */
final class References {
  private References() {}

  private static final NormalDistribution STANDARD_NORMAL = new NormalDistribution(0, 1);

  /** The rows of references.csv whose first field is {@code kind}, as numbers. */
  static List<double[]> rows(String kind) {
    List<double[]> out = new ArrayList<>();
    try (BufferedReader in =
        new BufferedReader(
            new InputStreamReader(
                Objects.requireNonNull(References.class.getResourceAsStream("references.csv")),
                StandardCharsets.UTF_8))) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        String[] fields = line.split(",");
        if (line.startsWith("#") || !fields[0].equals(kind)) {
          continue;
        }
        double[] values = new double[fields.length - 1];
        for (int i = 1; i < fields.length; i++) {
          values[i - 1] = Double.parseDouble(fields[i]);
        }
        out.add(values);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (out.isEmpty()) {
      throw new IllegalStateException("no rows of kind " + kind + " in references.csv");
    }
    return out;
  }

  static double phi(double x) {
    return STANDARD_NORMAL.cumulativeProbability(x);
  }

  /**
   * Balle and Wang (2018, Theorem 8): the exact {@code delta(eps)} of the Gaussian mechanism with
   * {@code mu = sensitivity / sigma}; {@code k} composed steps are one with {@code mu sqrt(k)}.
   */
  static double gaussianDelta(double mu, double epsilon) {
    return phi(-epsilon / mu + mu / 2) - Math.exp(epsilon) * phi(-epsilon / mu - mu / 2);
  }

  /** The exact epsilon of {@code steps} Gaussian steps at {@code delta}, by bisection. */
  static double gaussianEpsilon(double sigma, long steps, double delta) {
    double mu = Math.sqrt(steps) / sigma;
    double lo = 0;
    double hi = 1;
    while (gaussianDelta(mu, hi) > delta) {
      hi *= 2;
    }
    for (int i = 0; i < 200; i++) {
      double mid = 0.5 * (lo + hi);
      if (gaussianDelta(mu, mid) > delta) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return hi;
  }

  /**
   * {@code log A_alpha} of the sampled Gaussian by adaptive quadrature over the output {@code z}:
   * the mixture's Rényi moment against {@code N(0, sigma^2)}, integrated as {@code A - 1} where it
   * is small (to keep the digits of tiny RDP values) and with its peak factored out where large.
   */
  static double logA(double sigma, double q, double alpha) {
    double s2 = sigma * sigma;
    double lo = -14 * sigma - 1;
    double hi = alpha + 14 * sigma + 1;
    // panels of a quarter standard deviation resolve the integrand's peaks (near 0 and near alpha)
    int panels = (int) Math.max(256, (hi - lo) / (sigma / 4));
    java.util.function.DoubleUnaryOperator logRatio =
        z -> {
          double r = (2 * z - 1) / (2 * s2);
          return r > 30
              ? Math.log(q) + r + Math.log1p((1 - q) * Math.exp(-r) / q)
              : Math.log1p(q * Math.expm1(r));
        };
    java.util.function.DoubleUnaryOperator logMu0 =
        z -> -z * z / (2 * s2) - Math.log(sigma * Math.sqrt(2 * Math.PI));
    double peak = Double.NEGATIVE_INFINITY;
    for (int k = 0; k <= 4000; k++) {
      double z = lo + (hi - lo) * k / 4000;
      peak = Math.max(peak, logMu0.applyAsDouble(z) + alpha * logRatio.applyAsDouble(z));
    }
    if (peak < 20) {
      double aMinus1 =
          Quadrature.integrate(
              z -> {
                double logMoment = alpha * logRatio.applyAsDouble(z);
                double logDensity = logMu0.applyAsDouble(z);
                // mu0 (ratio^alpha - 1), without overflowing ratio^alpha where mu0 is tiny
                return logMoment < 1
                    ? Math.exp(logDensity) * Math.expm1(logMoment)
                    : Math.exp(logDensity + logMoment) - Math.exp(logDensity);
              },
              lo,
              hi,
              1e-11,
              panels);
      return Math.log1p(aMinus1);
    }
    // Large moments: factor out shift = (alpha^2 - alpha)/(2 s^2) + alpha log q, the log of the
    // integrand's height near z = alpha, where its two big terms cancel; written around (z - alpha)
    // the exponent keeps its digits (-z^2/(2s^2) + alpha r alone would leave ~1e-9 of noise).
    double shift = (alpha * alpha - alpha) / (2 * s2) + alpha * Math.log(q);
    double logNorm = Math.log(sigma * Math.sqrt(2 * Math.PI));
    java.util.function.DoubleUnaryOperator shifted =
        z -> {
          double r = (2 * z - 1) / (2 * s2);
          if (r > 30) {
            double d = z - alpha;
            return Math.exp(
                -d * d / (2 * s2) + alpha * Math.log1p((1 - q) * Math.exp(-r) / q) - logNorm);
          }
          return Math.exp(logMu0.applyAsDouble(z) + alpha * Math.log1p(q * Math.expm1(r)) - shift);
        };
    double scaled = Quadrature.integrate(shifted, lo, hi, 1e-11, panels);
    return shift + Math.log(scaled);
  }

  /**
   * The exact {@code delta(eps)} of the composition of two steps of the sampled Gaussian, for one
   * direction given by its densities: {@code E[(1 - e^(eps - L1 - L2))+]} as a nested integral over
   * the two outputs, {@code int P(x1) g(eps - L(x1))} with {@code g(e) = int (P - e^e Q)+}.
   */
  static double twoStepDelta(
      java.util.function.DoubleUnaryOperator p,
      java.util.function.DoubleUnaryOperator q,
      double epsilon,
      double lo,
      double hi) {
    return Quadrature.integrate(
        x1 -> {
          double px = p.applyAsDouble(x1);
          if (px == 0) {
            return 0;
          }
          double rest = epsilon - Math.log(px / q.applyAsDouble(x1));
          double inner =
              Quadrature.integrate(
                  x2 -> Math.max(0, p.applyAsDouble(x2) - Math.exp(rest) * q.applyAsDouble(x2)),
                  lo,
                  hi,
                  1e-9,
                  256);
          return px * inner;
        },
        lo,
        hi,
        1e-8,
        256);
  }

  /** The density of {@code N(mean, sigma^2)}. */
  static double normalDensity(double x, double mean, double sigma) {
    double z = (x - mean) / sigma;
    return Math.exp(-0.5 * z * z) / (sigma * Math.sqrt(2 * Math.PI));
  }
}
