package org.vmap4j.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.vmap4j.privacy.PldAccountant;
import org.vmap4j.privacy.RdpAccountant;

/**
 * The small version of the digits DP-SGD example with the CNN trained from a seeded initialisation:
 * its accounting, that training learns, and the chart. A few steps only (each step takes the
 * per-row gradients of a CNN), so the private accuracies are not checked against chance.
 */
@ExtendWith(SharedSpark.class)
class DigitsPrivateTrainingCnnTest {
  static final int STEPS = 25;
  static final double Q = 0.05;

  @Test
  void cnnRunsSpendAtMostTheirBudgetAndNonPrivateTrainingLearns(
      SparkSession spark, @TempDir Path folder) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DigitsPrivateTraining.Result r =
        DigitsPrivateTraining.run(
            spark,
            new PrintStream(bytes, true, StandardCharsets.UTF_8),
            folder,
            DigitsClassifier.CNN,
            STEPS,
            Q);
    String printed = bytes.toString(StandardCharsets.UTF_8);
    System.out.print(printed);

    assertThat(printed).contains("CNN conv8", "1946 parameters");
    assertThat(r.runs()).hasSize(3);
    for (DigitsPrivateTraining.PrivateRun run : r.runs()) {
      // the accountants' own figures for (sigma, q, steps), recomputed here
      double rdp = new RdpAccountant().step(run.sigma(), Q, STEPS).epsilon(1e-5);
      double pld = new PldAccountant().step(run.sigma(), Q, STEPS).epsilon(1e-5);
      assertThat(run.rdpEpsilon()).isCloseTo(rdp, within(1e-9 * rdp));
      assertThat(run.pldEpsilon()).isCloseTo(pld, within(1e-9 * pld));
      assertThat(run.rdpEpsilon()).isLessThanOrEqualTo(run.targetEpsilon() * (1 + 1e-9));
      assertThat(run.pldEpsilon()).isPositive().isLessThanOrEqualTo(run.rdpEpsilon());
      assertThat(run.finiteParameters())
          .as("eps %s: finite parameters", run.targetEpsilon())
          .isTrue();
      assertThat(run.accuracy()).isBetween(0.0, 1.0);
    }
    assertThat(r.nonPrivateFinite()).isTrue();
    // chance is 0.1 and the most frequent test digit 0.11: a few steps must do far better
    assertThat(r.nonPrivateAccuracy()).isGreaterThan(r.majority() + 0.3);
    assertThat(printed).contains("epsilon reported by RDP", "by PLD", "non-priv", "|###");
    assertThat(r.svg().getFileName().toString()).isEqualTo("digits-cnn-dp-accuracy.svg");
    assertThat(Files.readString(r.svg())).startsWith("<svg").contains("(CNN)", "non-private");
  }

  @Test
  void modelsAreFoundByNameAndAnUnknownNameIsRefusedWithTheChoices() {
    assertThat(DigitsClassifier.named("CNN")).isSameAs(DigitsClassifier.CNN);
    assertThat(DigitsClassifier.named("mlp")).isSameAs(DigitsClassifier.MLP);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> DigitsClassifier.named("rnn"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--model rnn")
        .hasMessageContaining("--model mlp or --model cnn");
  }
}
