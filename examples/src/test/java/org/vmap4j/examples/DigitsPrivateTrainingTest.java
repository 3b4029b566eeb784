package org.vmap4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.vmap4j.privacy.RdpAccountant;

/** The small version of the digits DP-SGD example: its accounting, accuracies and chart. */
@ExtendWith(SharedSpark.class)
class DigitsPrivateTrainingTest {
  static final int STEPS = 30;
  static final double Q = 0.1;

  @Test
  void privateRunsSpendTheirBudgetAndLearnAndTheChartIsWritten(
      SparkSession spark, @TempDir Path folder) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DigitsPrivateTraining.Result r =
        DigitsPrivateTraining.run(
            spark, new PrintStream(bytes, true, StandardCharsets.UTF_8), folder, STEPS, Q);
    String printed = bytes.toString(StandardCharsets.UTF_8);
    System.out.print(printed);

    assertThat(r.runs()).hasSize(3);
    for (DigitsPrivateTraining.PrivateRun run : r.runs()) {
      // the run's RDP epsilon is the accountant's for (sigma, q, steps), at most the target
      double rdp = new RdpAccountant().step(run.sigma(), Q, STEPS).epsilon(1e-5);
      assertThat(run.rdpEpsilon())
          .isCloseTo(rdp, org.assertj.core.api.Assertions.within(1e-9 * rdp));
      assertThat(run.rdpEpsilon())
          .isLessThanOrEqualTo(run.targetEpsilon() * (1 + 1e-9))
          .isGreaterThan(0.95 * run.targetEpsilon()); // calibrated: not far below either
      assertThat(run.pldEpsilon()).isPositive().isLessThan(run.rdpEpsilon()); // PLD is tighter
      assertThat(run.accuracy()).as("eps %s", run.targetEpsilon()).isGreaterThan(r.majority());
    }
    // more budget, less noise
    assertThat(r.runs().get(0).sigma()).isGreaterThan(r.runs().get(1).sigma());
    assertThat(r.runs().get(1).sigma()).isGreaterThan(r.runs().get(2).sigma());
    // epsilon 8 learns a lot in 30 steps; non-private learns more than the majority guess
    assertThat(r.runs().get(2).accuracy()).isGreaterThan(0.5);
    assertThat(r.nonPrivateAccuracy()).isGreaterThan(0.8);
    assertThat(printed).contains("epsilon reported by RDP", "by PLD", "non-priv", "|###");
    assertThat(Files.readString(r.svg())).startsWith("<svg").contains("non-private", "eps 8");
  }
}
