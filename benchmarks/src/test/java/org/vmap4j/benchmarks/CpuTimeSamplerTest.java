package org.vmap4j.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The shared CPU-time loop calls what it says, in the order it says (no timing is asserted). */
class CpuTimeSamplerTest {
  /**
   * Every round runs both sides {@code reps} times each, warm-up rounds included, and the side that
   * goes first changes from one round to the next.
   */
  @Test
  void alternatesWhichSideGoesFirstAndCallsEachRepsTimesPerRound() {
    List<Character> calls = new ArrayList<>();
    int warmup = 2;
    int rounds = 5;
    int reps = 3;
    CpuTimeSampler.Summary[] s =
        CpuTimeSampler.alternate(warmup, rounds, reps, () -> calls.add('a'), () -> calls.add('b'));
    assertThat(s).hasSize(2);
    assertThat(calls).hasSize(2 * reps * (warmup + rounds));
    Character previousFirst = null;
    for (int round = 0; round < warmup + rounds; round++) {
      List<Character> block = calls.subList(2 * reps * round, 2 * reps * (round + 1));
      assertThat(block.subList(0, reps)).containsOnly(block.get(0));
      assertThat(block.subList(reps, 2 * reps)).doesNotContain(block.get(0));
      assertThat(block.get(0)).isNotEqualTo(previousFirst);
      previousFirst = block.get(0);
    }
  }

  @Test
  void summaryIsTheMedianAndTheSmallestSample() {
    CpuTimeSampler.Summary s = CpuTimeSampler.Summary.of(new double[] {5, 1, 4, 2, 3});
    assertThat(s.medianNs()).isEqualTo(3);
    assertThat(s.bestNs()).isEqualTo(1);
  }
}
