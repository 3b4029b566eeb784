package org.vmap4j.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.function.Supplier;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;

/** Monotonicity and composition of both accountants over random DP-SGD-like parameters. */
class AccountantPropertiesTest {

  private static final double DELTA = 1e-5;

  /** A coarse grid keeps PLD properties fast; the properties hold for any interval. */
  private static final Supplier<PrivacyAccountant> PLD = () -> new PldAccountant(1e-3);

  private static final Supplier<PrivacyAccountant> RDP = RdpAccountant::new;

  @Property(tries = 15)
  void moreStepsNeverCostLess(
      @ForAll @DoubleRange(min = 0.6, max = 3) double sigma,
      @ForAll @DoubleRange(min = 0.01, max = 0.3) double q,
      @ForAll @IntRange(min = 1, max = 200) int steps) {
    for (Supplier<PrivacyAccountant> accountant : java.util.List.of(RDP, PLD)) {
      double fewer = accountant.get().step(sigma, q, steps).epsilon(DELTA);
      double more = accountant.get().step(sigma, q, steps + 1 + steps / 2).epsilon(DELTA);
      assertThat(more).isGreaterThanOrEqualTo(fewer);
    }
  }

  @Property(tries = 15)
  void moreNoiseNeverCostsMore(
      @ForAll @DoubleRange(min = 0.6, max = 3) double sigma,
      @ForAll @DoubleRange(min = 0.01, max = 0.3) double q,
      @ForAll @IntRange(min = 1, max = 200) int steps) {
    for (Supplier<PrivacyAccountant> accountant : java.util.List.of(RDP, PLD)) {
      double less = accountant.get().step(sigma, q, steps).epsilon(DELTA);
      double more = accountant.get().step(sigma * 1.2, q, steps).epsilon(DELTA);
      assertThat(more).isLessThanOrEqualTo(less);
    }
  }

  @Property(tries = 15)
  void largerSampleRateNeverCostsLess(
      @ForAll @DoubleRange(min = 0.6, max = 3) double sigma,
      @ForAll @DoubleRange(min = 0.01, max = 0.3) double q,
      @ForAll @IntRange(min = 1, max = 200) int steps) {
    for (Supplier<PrivacyAccountant> accountant : java.util.List.of(RDP, PLD)) {
      double smaller = accountant.get().step(sigma, q, steps).epsilon(DELTA);
      double larger = accountant.get().step(sigma, Math.min(1, q * 1.5), steps).epsilon(DELTA);
      assertThat(larger).isGreaterThanOrEqualTo(smaller);
    }
  }

  @Property(tries = 10)
  void stepCallsComposeLikeOneCallWithTheSummedSteps(
      @ForAll @DoubleRange(min = 0.6, max = 3) double sigma,
      @ForAll @DoubleRange(min = 0.01, max = 0.3) double q,
      @ForAll @IntRange(min = 1, max = 100) int first,
      @ForAll @IntRange(min = 1, max = 100) int second) {
    double rdpSplit =
        new RdpAccountant().step(sigma, q, first).step(sigma, q, second).epsilon(DELTA);
    double rdpOnce = new RdpAccountant().step(sigma, q, first + second).epsilon(DELTA);
    assertThat(rdpSplit).isCloseTo(rdpOnce, within(1e-12 * rdpOnce));
    // PLD: the same distribution, convolved in another order and cut at other places; the cut
    // tails are of order 1e-15 and the transforms' round-off below 1e-12 of the mass
    double pldSplit = PLD.get().step(sigma, q, first).step(sigma, q, second).epsilon(DELTA);
    double pldOnce = PLD.get().step(sigma, q, first + second).epsilon(DELTA);
    assertThat(pldSplit).isCloseTo(pldOnce, within(1e-6));
  }

  @Example
  void manySingleStepsEqualOneBatchedCall() {
    PldAccountant single = new PldAccountant(1e-3);
    for (int i = 0; i < 64; i++) {
      single.step(1.0, 0.05, 1);
    }
    double batched = new PldAccountant(1e-3).step(1.0, 0.05, 64).epsilon(DELTA);
    assertThat(single.epsilon(DELTA)).isCloseTo(batched, within(1e-6));
    assertThat(single.steps()).isEqualTo(64);
  }
}
