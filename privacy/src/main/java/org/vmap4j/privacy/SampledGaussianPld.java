package org.vmap4j.privacy;

/**
 * The privacy loss distributions of one step of the Poisson-subsampled Gaussian mechanism,
 * discretized pessimistically by "connecting the dots" (Doroshenko, Ghazi, Kamath, Kumar and
 * Manurangsi 2022).
 *
 * <p><b>The pairs.</b> With sensitivity 1 and noise {@code N(0, sigma^2)}, an example's presence
 * turns {@code Q0 = N(0, sigma^2)} into the mixture {@code Q1 = (1-q) N(0, sigma^2) + q N(1,
 * sigma^2)}. Adjacency is add-or-remove one example, so both ordered pairs count: "remove" is
 * {@code P = Q1} against {@code Q = Q0}, "add" is {@code P = Q0} against {@code Q = Q1}. In both
 * the privacy loss {@code L = log(P/Q)} at output {@code x} is a monotone function of {@code x},
 * {@code ±log((1-q) + q exp((2x-1)/(2 sigma^2)))}, so {@code P(L > l)} and {@code Q(L > l)} are
 * normal CDFs at the inverted point.
 *
 * <p><b>Connecting the dots.</b> The pair's hockey-stick curve {@code H(t) = P(L > log t) - t Q(L >
 * log t)} ({@code delta} at {@code epsilon = log t}) is convex in {@code t}. The discrete
 * distribution built here, on the losses {@code l_k = k h}, has the curve that passes through
 * {@code H(e^l_k)} and is linear in {@code t} in between (and through {@code (0, 1)} below the
 * grid, constant above it): a chord of a convex function lies above it, so this distribution's
 * {@code delta} is at least the true one at every {@code epsilon}, and it is dominated by the
 * distribution with every loss rounded up to the grid (whose curve is also linear between the same
 * points and higher at them). Composition keeps both orders. Its error per step is far smaller than
 * rounding up, whose {@code delta} is that of losses shifted by up to {@code h}.
 *
 * <p>Slopes of the chords are computed from cell masses ({@code P} and {@code Q} of {@code (l_k,
 * l_{k+1}]}, each from the tail that keeps it accurate), not from differences of {@code H}, so no
 * second difference of rounded values is formed.
 */
final class SampledGaussianPld {
  private SampledGaussianPld() {}

  /** The two discretized directions of one step. */
  record Pair(PrivacyLossDistribution remove, PrivacyLossDistribution add) {}

  /** {@code P} and {@code Q} of the loss being at most and above {@code l}. */
  interface LossTails {
    double pBelow(double l);

    double pAbove(double l);

    double qBelow(double l);

    double qAbove(double l);
  }

  static Pair discretize(double sigma, double q, double interval) {
    return new Pair(
        connectTheDots(removeTails(sigma, q), interval),
        connectTheDots(addTails(sigma, q), interval));
  }

  /**
   * {@code P = Q1}, {@code Q = Q0}: {@code L(x) = log((1-q) + q e^((2x-1)/(2 s^2)))}, increasing.
   */
  static LossTails removeTails(double sigma, double q) {
    double lowest = Math.log1p(-q); // the infimum of L (minus infinity when q = 1)
    return new LossTails() {
      @Override
      public double pBelow(double l) {
        if (l <= lowest) {
          return 0;
        }
        double x = outputAtLoss(sigma, q, l);
        return (1 - q) * NormalMath.normalCdf(x / sigma)
            + q * NormalMath.normalCdf((x - 1) / sigma);
      }

      @Override
      public double pAbove(double l) {
        if (l <= lowest) {
          return 1;
        }
        double x = outputAtLoss(sigma, q, l);
        return (1 - q) * NormalMath.normalCdf(-x / sigma)
            + q * NormalMath.normalCdf((1 - x) / sigma);
      }

      @Override
      public double qBelow(double l) {
        return l <= lowest ? 0 : NormalMath.normalCdf(outputAtLoss(sigma, q, l) / sigma);
      }

      @Override
      public double qAbove(double l) {
        return l <= lowest ? 1 : NormalMath.normalCdf(-outputAtLoss(sigma, q, l) / sigma);
      }
    };
  }

  /**
   * {@code P = Q0}, {@code Q = Q1}: {@code L(x) = -log((1-q) + q e^((2x-1)/(2 s^2)))}, decreasing,
   * so {@code L <= l} exactly when {@code x >= outputAtLoss(-l)}.
   */
  static LossTails addTails(double sigma, double q) {
    double highest = -Math.log1p(-q); // the supremum of L (infinity when q = 1)
    return new LossTails() {
      @Override
      public double pBelow(double l) {
        return l >= highest ? 1 : NormalMath.normalCdf(-outputAtLoss(sigma, q, -l) / sigma);
      }

      @Override
      public double pAbove(double l) {
        return l >= highest ? 0 : NormalMath.normalCdf(outputAtLoss(sigma, q, -l) / sigma);
      }

      @Override
      public double qBelow(double l) {
        if (l >= highest) {
          return 1;
        }
        double x = outputAtLoss(sigma, q, -l);
        return (1 - q) * NormalMath.normalCdf(-x / sigma)
            + q * NormalMath.normalCdf((1 - x) / sigma);
      }

      @Override
      public double qAbove(double l) {
        if (l >= highest) {
          return 0;
        }
        double x = outputAtLoss(sigma, q, -l);
        return (1 - q) * NormalMath.normalCdf(x / sigma)
            + q * NormalMath.normalCdf((x - 1) / sigma);
      }
    };
  }

  /**
   * The output {@code x} with {@code log((1-q) + q e^((2x-1)/(2 s^2))) = l}, for {@code l >
   * log(1-q)}: {@code x = s^2 log((e^l - 1 + q)/q) + 1/2}.
   */
  static double outputAtLoss(double sigma, double q, double l) {
    double logShifted = q == 1 ? l : Math.log(Math.expm1(l) + q);
    return sigma * sigma * (logShifted - Math.log(q)) + 0.5;
  }

  /**
   * The connect-the-dots distribution on the grid between the points where the lower and upper
   * tails of {@code P} fall below {@link PrivacyLossDistribution#TAIL_MASS}. With {@code t_k =
   * e^(l_k)}, the chord slopes are {@code -B_k} with {@code B_k = Q(L > l_{k+1}) + f_k} and {@code
   * f_k = (P(cell k) - t_k Q(cell k)) / (t_{k+1} - t_k)} (between 0 and {@code Q(cell k)}, since
   * {@code dP = e^L dQ}); a point's mass is {@code t_k} times the change of slope there.
   */
  static PrivacyLossDistribution connectTheDots(LossTails tails, double interval) {
    double tail = PrivacyLossDistribution.TAIL_MASS;
    double lowLoss = tailPoint(tails, tail, -1);
    double highLoss = tailPoint(tails, tail, +1);
    long first = (long) Math.floor(lowLoss / interval);
    long last = Math.max(first + 1, (long) Math.ceil(highLoss / interval));
    long count = last - first + 1;
    if (count > (1 << 26)) {
      throw new IllegalArgumentException(
          "the privacy loss of this step spans "
              + (highLoss - lowLoss)
              + ", which needs "
              + count
              + " grid points at discretizationInterval "
              + interval
              + ": use a larger interval");
    }
    int n = (int) count;
    double[] pAbove = new double[n];
    double[] pBelow = new double[n];
    double[] qAbove = new double[n];
    double[] qBelow = new double[n];
    for (int k = 0; k < n; k++) {
      double l = (first + k) * interval;
      pAbove[k] = tails.pAbove(l);
      pBelow[k] = tails.pBelow(l);
      qAbove[k] = tails.qAbove(l);
      qBelow[k] = tails.qBelow(l);
    }
    double growth = Math.expm1(interval); // (t_{k+1} - t_k) / t_k
    double[] qCell = new double[n - 1];
    double[] f = new double[n - 1];
    for (int c = 0; c < n - 1; c++) {
      double pCell = cellMass(pAbove, pBelow, c);
      qCell[c] = cellMass(qAbove, qBelow, c);
      double lc = (first + c) * interval;
      double excess = (pCell * Math.exp(-lc) - qCell[c]) / growth;
      f[c] = Math.min(qCell[c], Math.max(0, excess));
    }
    double[] pmf = new double[n];
    pmf[0] = pBelow[0] + Math.exp(first * interval) * (qCell[0] - f[0]);
    for (int k = 1; k < n - 1; k++) {
      pmf[k] = Math.exp((first + k) * interval) * (qCell[k] + f[k - 1] - f[k]);
    }
    double topT = Math.exp(last * interval);
    pmf[n - 1] = topT * (qAbove[n - 1] + f[n - 2]);
    for (int k = 0; k < n; k++) {
      pmf[k] = Math.max(0, pmf[k]);
    }
    double infinity = Math.max(0, pAbove[n - 1] - topT * qAbove[n - 1]);
    return new PrivacyLossDistribution(interval, first, pmf, infinity);
  }

  /** The mass of {@code (l_c, l_{c+1}]}, as a difference in the smaller tail. */
  private static double cellMass(double[] above, double[] below, int c) {
    double mass = above[c] < 0.5 ? above[c] - above[c + 1] : below[c + 1] - below[c];
    return Math.max(0, mass);
  }

  /**
   * A loss beyond which {@code P}'s tail ({@code direction = -1}: at or below, {@code +1}: above)
   * is at most {@code mass}: doubling out from 0, then bisection. The tails are Gaussian in the
   * output, so the search ends in a few dozen steps.
   */
  private static double tailPoint(LossTails tails, double mass, int direction) {
    java.util.function.DoubleUnaryOperator tail = direction < 0 ? tails::pBelow : tails::pAbove;
    double near = 0;
    double far = direction;
    while (tail.applyAsDouble(far) > mass) {
      near = far;
      far *= 2;
      if (Math.abs(far) > 1e6) {
        throw new ArithmeticException("privacy loss tail does not fall below " + mass);
      }
    }
    if (tail.applyAsDouble(near) <= mass) {
      return near;
    }
    for (int k = 0; k < 100; k++) {
      double mid = 0.5 * (near + far);
      if (tail.applyAsDouble(mid) > mass) {
        near = mid;
      } else {
        far = mid;
      }
    }
    return far;
  }
}
