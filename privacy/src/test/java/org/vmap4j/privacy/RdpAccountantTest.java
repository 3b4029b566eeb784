package org.vmap4j.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class RdpAccountantTest {

  @Test
  void unsampledGaussianHasTheClosedFormAlphaOverTwoSigmaSquared() {
    // integer orders go through the general binomial sum, fractional ones through the q = 1 case
    double[] orders = {1.5, 2, 3, 7.25, 10, 32, 63, 256};
    for (double sigma : new double[] {0.3, 1, 2.71828, 10}) {
      double[] rdp = new RdpAccountant(orders).step(sigma, 1, 1).rdp();
      for (int i = 0; i < orders.length; i++) {
        double expected = orders[i] / (2 * sigma * sigma);
        assertThat(rdp[i])
            .as("sigma %s order %s", sigma, orders[i])
            .isCloseTo(expected, within(1e-12 * expected));
      }
    }
  }

  @Test
  void seriesMatchesTheQuadratureOfThePythonReference() {
    // references.csv: the Rényi moment integrated by Simpson's rule in Python (no series)
    for (double[] row : References.rows("logA")) {
      double sigma = row[0];
      double q = row[1];
      double alpha = row[2];
      double expectedRdp = row[3] / (alpha - 1);
      double rdp = SampledGaussianRdp.rdp(sigma, q, alpha);
      assertThat(rdp)
          .as("sigma %s q %s alpha %s", sigma, q, alpha)
          .isCloseTo(expectedRdp, within(1e-8 * expectedRdp + 1e-15));
    }
  }

  @Test
  void seriesIsAnUpperBoundOfTheAdaptiveQuadratureIncludingExtremeCases() {
    // the parameters of dp_accounting's rdp_privacy_accountant_test.test_compute_log_a_equals_mp
    // (tiny rates, tiny sigma, large orders), against this test's own adaptive quadrature
    double[][] cases = {
      {1e-7, .1, 1.01},
      {1e-6, .1, 256},
      {1e-5, .1, 256.1},
      {1e-6, 1, 27},
      {1e-4, 1, 1.5},
      {1e-3, 1, 2},
      {.01, 10, 20},
      {.1, 100, 20.5},
      {.99, .1, 256},
      {.999, 100, 256.1},
      {.04, 1.5, 1.1},
      {.3, .8, 4.7}
    };
    for (double[] c : cases) {
      double q = c[0];
      double sigma = c[1];
      double alpha = c[2];
      double expected = References.logA(sigma, q, alpha);
      double actual =
          alpha == Math.rint(alpha)
              ? SampledGaussianRdp.logAIntegerOrder(sigma * sigma, q, (long) alpha)
              : SampledGaussianRdp.logAFractionalOrder(sigma, q, alpha);
      double tolerance = 1e-7 * Math.abs(expected) + 1e-16;
      assertThat(actual)
          .as("log A for q %s sigma %s alpha %s", q, sigma, alpha)
          .isCloseTo(expected, within(tolerance))
          .isGreaterThanOrEqualTo(expected - tolerance / 10);
    }
  }

  @Test
  void matchesOpacusPublishedEpsilon() {
    // opacus/tests/accountants_test.py, test_rdp_accountant: sigma 1.5, q 0.04, int(90 / 0.04)
    // steps, delta 1e-5 -> 7.32911117143 (Opacus's default orders)
    RdpAccountant accountant = new RdpAccountant();
    for (int i = 0; i < 2250; i++) {
      accountant.step(1.5, 0.04, 1);
    }
    assertThat(accountant.epsilon(1e-5))
        .isCloseTo(7.32911117143, within(1e-9))
        .isGreaterThanOrEqualTo(7.32911117143 - 1e-10);
    assertThat(accountant.bestOrder(1e-5)).isEqualTo(3.9);
  }

  @Test
  void matchesDpAccountingPublishedRdpAtIntegerOrdersAndNeverExceedsItsFractionalBound() {
    // dp_accounting rdp_privacy_accountant_test.test_compute_rdp_poisson_sampled_gaussian:
    // sigma 2.5, q 0.01, 50 steps, rtol 1e-4. At the fractional orders 1.5 and 2.5 its figures are
    // looser upper bounds (6.7058e-4 and 1.08549e-3) than the exact values, which the quadrature of
    // references.csv gives as 6.50071e-4 and 1.085418e-3 (see seriesMatchesTheQuadrature...).
    double[] rdp = new RdpAccountant(1.5, 2.5, 5, 50, 100).step(2.5, 0.01, 50).rdp();
    assertThat(rdp[2]).isCloseTo(2.18075656e-03, within(1e-4 * 2.18075656e-03));
    assertThat(rdp[3]).isCloseTo(2.38460375e-02, within(1e-4 * 2.38460375e-02));
    assertThat(rdp[4]).isCloseTo(1.67416308e02, within(1e-4 * 1.67416308e02));
    assertThat(rdp[0]).isLessThanOrEqualTo(6.70579741e-04);
    assertThat(rdp[1]).isLessThanOrEqualTo(1.08548710e-03);
    assertThat(rdp[0]).isCloseTo(50 * 6.500708971880395e-06 / 0.5, within(1e-9 * rdp[0]));
  }

  @Test
  void matchesDpAccountingGaussianCalibratedToOneAtOneInAMillion() {
    // dp_accounting test_compute_epsilon_delta_gaussian: sigma 4.530877117 at q = 1 gives
    // epsilon 1 at delta 1e-6 over orders 1.000, 1.001, ..., 99.999 (assertAlmostEqual, 7 places)
    double[] orders = new double[99_000];
    for (int i = 0; i < orders.length; i++) {
      orders[i] = 0.001 * (i + 1000);
    }
    orders[0] = 1.0005; // order 1 itself is not an RDP order; its neighbour stands in
    RdpAccountant accountant = new RdpAccountant(orders).step(4.530877117, 1, 1);
    assertThat(accountant.epsilon(1e-6)).isCloseTo(1, within(1e-7));
    assertThat(accountant.delta(1)).isCloseTo(1e-6, within(1e-12));
    // and as an upper bound of the exact Gaussian (Balle and Wang), 0.92739 at this delta
    assertThat(accountant.epsilon(1e-6))
        .isGreaterThan(References.gaussianEpsilon(4.530877117, 1, 1e-6));
  }

  @Test
  void deltaAndEpsilonAreInverseConversions() {
    RdpAccountant accountant = new RdpAccountant().step(1.1, 0.01, 3000);
    for (double delta : new double[] {1e-3, 1e-5, 1e-9}) {
      double epsilon = accountant.epsilon(delta);
      assertThat(accountant.delta(epsilon)).isCloseTo(delta, within(1e-9 * delta));
    }
  }

  @Test
  void zeroSampleRateAndZeroStepsCostNothing() {
    assertThat(new RdpAccountant().step(1, 0, 1000).epsilon(1e-5)).isZero();
    assertThat(new RdpAccountant().step(1, 0.5, 0).epsilon(1e-5)).isZero();
    assertThat(new RdpAccountant().epsilon(1e-5)).isZero();
    assertThat(new RdpAccountant().delta(0)).isZero();
  }

  @Test
  void stepsOfDifferentParametersAddTheirRdp() {
    double[] orders = {1.5, 4, 20.5};
    double[] first = new RdpAccountant(orders).step(1.1, 0.01, 100).rdp();
    double[] second = new RdpAccountant(orders).step(0.8, 0.2, 7).rdp();
    double[] both = new RdpAccountant(orders).step(1.1, 0.01, 100).step(0.8, 0.2, 7).rdp();
    for (int i = 0; i < orders.length; i++) {
      assertThat(both[i]).isCloseTo(first[i] + second[i], within(1e-14 * both[i]));
    }
  }

  @Test
  void defaultOrdersAreOpacusListWithEleven() {
    double[] orders = RdpAccountant.defaultOrders();
    assertThat(orders).hasSize(99 + 53);
    assertThat(orders[0]).isEqualTo(1.1);
    assertThat(orders[98]).isCloseTo(10.9, within(1e-12));
    assertThat(orders[99]).isEqualTo(11);
    assertThat(orders[orders.length - 1]).isEqualTo(63);
  }

  @Test
  void badArgumentsNameTheParameter() {
    RdpAccountant accountant = new RdpAccountant();
    assertThatThrownBy(() -> accountant.step(0, 0.1, 1)).hasMessageContaining("noiseMultiplier");
    assertThatThrownBy(() -> accountant.step(Double.NaN, 0.1, 1))
        .hasMessageContaining("noiseMultiplier");
    assertThatThrownBy(() -> accountant.step(1, 1.5, 1)).hasMessageContaining("sampleRate");
    assertThatThrownBy(() -> accountant.step(1, -0.1, 1)).hasMessageContaining("sampleRate");
    assertThatThrownBy(() -> accountant.step(1, 0.1, -1)).hasMessageContaining("steps");
    assertThatThrownBy(() -> accountant.epsilon(0)).hasMessageContaining("delta");
    assertThatThrownBy(() -> accountant.epsilon(1)).hasMessageContaining("delta");
    assertThatThrownBy(() -> accountant.delta(-1)).hasMessageContaining("epsilon");
    assertThatThrownBy(() -> new RdpAccountant(2, 1)).hasMessageContaining("orders[1]");
    assertThatThrownBy(() -> new RdpAccountant(new double[0])).hasMessageContaining("orders");
  }
}
