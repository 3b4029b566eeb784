package org.vmap4j.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;

class PldAccountantTest {

  @Test
  void unsampledGaussianAgreesWithTheAnalyticGaussianAndNeverFallsBelowIt() {
    // Balle and Wang (2018): k steps of N(0, sigma^2) at sensitivity 1 are one Gaussian with
    // mu = sqrt(k)/sigma; the exact epsilon comes from bisection on commons-math3's normal CDF.
    // The discretization can cost at most one interval per step.
    double interval = 1e-4;
    double[][] cases = {{1, 1}, {4.530877117, 1}, {Math.sqrt(3), 3}, {0.8, 10}, {2, 100}};
    for (double[] c : cases) {
      double sigma = c[0];
      long steps = (long) c[1];
      PldAccountant accountant = new PldAccountant(interval).step(sigma, 1, steps);
      for (double delta : new double[] {1e-3, 1e-5, 1e-8}) {
        double exact = References.gaussianEpsilon(sigma, steps, delta);
        assertThat(accountant.epsilon(delta))
            .as("sigma %s, %s steps, delta %s", sigma, steps, delta)
            .isGreaterThanOrEqualTo(exact)
            .isLessThanOrEqualTo(exact + steps * interval);
      }
    }
  }

  @Test
  void unsampledGaussianMatchesThePythonReference() {
    for (double[] row : References.rows("gaussianEpsilon")) {
      double sigma = row[0];
      long steps = (long) row[1];
      double delta = row[2];
      double exact = row[3];
      double interval = steps >= 1000 ? 1e-3 : 1e-4;
      double actual = new PldAccountant(interval).step(sigma, 1, steps).epsilon(delta);
      assertThat(actual)
          .as("sigma %s, %s steps", sigma, steps)
          .isGreaterThanOrEqualTo(exact)
          .isLessThanOrEqualTo(exact + steps * interval);
    }
  }

  @Test
  void oneSampledStepIsAnUpperBoundOfTheIntegratedHockeyStick() {
    // references.csv: delta(eps) of one step integrated over the output in Python; and again
    // here by adaptive quadrature, both add-or-remove directions
    for (double[] row : References.rows("stepDelta")) {
      double sigma = row[0];
      double q = row[1];
      double epsilon = row[2];
      double exact = row[3];
      double own =
          Math.max(oneStepDelta(sigma, q, epsilon, true), oneStepDelta(sigma, q, epsilon, false));
      // Simpson's rule across the kink of (.)+ is good to about 1e-8 here
      assertThat(own).isCloseTo(exact, within(1e-8 * exact));
      double actual = new PldAccountant().step(sigma, q, 1).delta(epsilon);
      assertThat(actual)
          .as("sigma %s q %s eps %s", sigma, q, epsilon)
          .isGreaterThanOrEqualTo(own)
          .isCloseTo(own, within(2e-6 * own)); // the 1e-6 floating-point allowance, and the grid
    }
  }

  @Test
  void twoSampledStepsAreAnUpperBoundOfTheNestedIntegral() {
    // the composition, independently: E[(1 - e^(eps - L1 - L2))+] as a nested quadrature
    double sigma = 0.8;
    double q = 0.2;
    double lo = -12 * sigma;
    double hi = 1 + 12 * sigma;
    DoubleUnaryOperator base = x -> References.normalDensity(x, 0, sigma);
    DoubleUnaryOperator mixture =
        x -> (1 - q) * base.applyAsDouble(x) + q * References.normalDensity(x, 1, sigma);
    PldAccountant accountant = new PldAccountant().step(sigma, q, 2);
    for (double epsilon : new double[] {0.3, 1.0, 2.0}) {
      double exact =
          Math.max(
              References.twoStepDelta(mixture, base, epsilon, lo, hi),
              References.twoStepDelta(base, mixture, epsilon, lo, hi));
      assertThat(accountant.delta(epsilon))
          .as("eps %s", epsilon)
          .isGreaterThanOrEqualTo(exact - 1e-10)
          .isCloseTo(exact, within(1e-5 * exact + 1e-10));
    }
  }

  @Test
  void matchesDpAccountingPublishedFigures() {
    // dp_accounting pld_privacy_accountant_test.test_poisson_subsampled_gaussian: q 0.2, sigma
    // 0.5, composed once and then twice: delta(1) = 0.15594 and epsilon(0.15594) = 1, within 1e-3
    PldAccountant sampled = new PldAccountant().step(0.5, 0.2, 1).step(0.5, 0.2, 2);
    assertThat(sampled.delta(1)).isCloseTo(0.15594, within(1e-3));
    assertThat(sampled.epsilon(0.15594)).isCloseTo(1, within(1e-3));
    // test_gaussian_basic: sigma sqrt(3), 3 steps: exact delta(1) = 0.126936
    PldAccountant gaussian = new PldAccountant().step(Math.sqrt(3), 1, 1).step(Math.sqrt(3), 1, 2);
    assertThat(gaussian.delta(1))
        .isCloseTo(0.126936, within(1e-5))
        .isGreaterThanOrEqualTo(References.gaussianDelta(1, 1));
  }

  @Test
  void isTighterThanRdpForDpSgdParameters() {
    double[][] cases = {{1.5, 0.04, 2250}, {4, 0.01, 1000}, {1.1, 0.004, 10_000}, {0.8, 0.1, 50}};
    for (double[] c : cases) {
      double pld = new PldAccountant().step(c[0], c[1], (long) c[2]).epsilon(1e-5);
      double rdp = new RdpAccountant().step(c[0], c[1], (long) c[2]).epsilon(1e-5);
      assertThat(pld).as("sigma %s q %s steps %s", c[0], c[1], c[2]).isLessThan(rdp);
    }
  }

  @Test
  void oneStepKeepsAllItsMassAndMatchesTheExactCurveAtGridPoints() {
    for (double[] c : new double[][] {{1, 0.01}, {0.5, 0.3}, {3, 1}}) {
      SampledGaussianPld.Pair pair = SampledGaussianPld.discretize(c[0], c[1], 1e-3);
      for (PrivacyLossDistribution pld :
          new PrivacyLossDistribution[] {pair.remove(), pair.add()}) {
        double mass = pld.infinityMass;
        for (double p : pld.pmf) {
          mass += p;
        }
        assertThat(mass).isCloseTo(1, within(1e-12));
      }
      // connect-the-dots is exact at grid points: compare with the integrated hockey stick
      for (double epsilon : new double[] {0.1, 0.5}) {
        double exact =
            Math.max(
                oneStepDelta(c[0], c[1], epsilon, true), oneStepDelta(c[0], c[1], epsilon, false));
        double actual = Math.max(pair.remove().delta(epsilon), pair.add().delta(epsilon));
        assertThat(actual).isCloseTo(exact, within(1e-9 * exact + 1e-14));
      }
    }
  }

  @Test
  void zeroSampleRateAndZeroStepsCostNothing() {
    assertThat(new PldAccountant().step(1, 0, 1000).epsilon(1e-5)).isZero();
    assertThat(new PldAccountant().step(1, 0.5, 0).epsilon(1e-5)).isZero();
    assertThat(new PldAccountant().delta(0)).isZero();
  }

  @Test
  void badArgumentsNameTheParameter() {
    assertThatThrownBy(() -> new PldAccountant(0)).hasMessageContaining("discretizationInterval");
    PldAccountant accountant = new PldAccountant();
    assertThatThrownBy(() -> accountant.step(-1, 0.1, 1)).hasMessageContaining("noiseMultiplier");
    assertThatThrownBy(() -> accountant.step(1, 2, 1)).hasMessageContaining("sampleRate");
    assertThatThrownBy(() -> accountant.epsilon(1.5)).hasMessageContaining("delta");
  }

  /** {@code int (P - e^eps Q)+} over the output for one step, by adaptive quadrature. */
  static double oneStepDelta(double sigma, double q, double epsilon, boolean remove) {
    DoubleUnaryOperator base = x -> References.normalDensity(x, 0, sigma);
    DoubleUnaryOperator mixture =
        x -> (1 - q) * base.applyAsDouble(x) + q * References.normalDensity(x, 1, sigma);
    DoubleUnaryOperator p = remove ? mixture : base;
    DoubleUnaryOperator qq = remove ? base : mixture;
    double factor = Math.exp(epsilon);
    return Quadrature.integrate(
        x -> Math.max(0, p.applyAsDouble(x) - factor * qq.applyAsDouble(x)),
        -20 * sigma - 1,
        20 * sigma + 2,
        1e-12,
        1024);
  }
}
