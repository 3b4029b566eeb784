package org.vmap4j.spark.dp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.function.UnaryOperator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.vmap4j.spark.SharedSpark;
import org.vmap4j.spark.dp.LogisticData.Params;

/**
 * Every bad configuration fails before any Spark job, naming the parameter: the DataFrame here
 * fails any job that reads it, so an error from a job would carry its message instead.
 */
@ExtendWith(SharedSpark.class)
class DpSgdConfigurationTest {

  static Dataset<Row> poisoned(SparkSession spark) {
    return LogisticData.frame(spark, new double[][] {{1, 2}, {3, 4}}, new double[] {0, 1}, 1)
        .where("raise_error('a Spark job ran') IS NULL");
  }

  static DpSgd<Params> good() {
    return DpSgd.of(LogisticData::loss, DpSgdTest.start())
        .inputColumns("features", "label")
        .sampleRate(0.5)
        .noiseMultiplier(1)
        .clipNorm(1)
        .delta(1e-3)
        .steps(5)
        .learningRate(0.1)
        .rowCount(100);
  }

  static void failsNaming(SparkSession spark, UnaryOperator<DpSgd<Params>> bad, String message) {
    assertThatThrownBy(() -> bad.apply(good()).fit(poisoned(spark)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(message);
  }

  @Test
  void thePoisonedFrameFailsAnyJob(SparkSession spark) {
    assertThatThrownBy(() -> poisoned(spark).count()).hasMessageContaining("a Spark job ran");
  }

  @Test
  void sampleRateOutsideZeroOne(SparkSession spark) {
    for (double q : new double[] {0, -0.1, 1.01, Double.NaN}) {
      failsNaming(spark, t -> t.sampleRate(q), "sampleRate (q) must be in (0, 1], got " + q);
    }
  }

  @Test
  void nonPositiveNoiseMultiplier(SparkSession spark) {
    for (double s : new double[] {0, -1, Double.POSITIVE_INFINITY}) {
      failsNaming(
          spark, t -> t.noiseMultiplier(s), "noiseMultiplier (sigma) must be positive and finite");
    }
  }

  @Test
  void nonPositiveClipNorm(SparkSession spark) {
    for (double c : new double[] {0, -2}) {
      failsNaming(spark, t -> t.clipNorm(c), "clipNorm (C) must be positive and finite, got " + c);
    }
  }

  @Test
  void deltaNotBelowOneOverN(SparkSession spark) {
    failsNaming(spark, t -> t.delta(0.01), "delta 0.01 must be below 1/N = 0.01 (N = 100 rows)");
    failsNaming(spark, t -> t.delta(0.5), "delta 0.5 must be below 1/N");
    failsNaming(spark, t -> t.delta(1), "delta must be in (0, 1/N), got 1.0");
  }

  @Test
  void deltaIsCheckedAgainstTheCountedRows(SparkSession spark) {
    Dataset<Row> two =
        LogisticData.frame(spark, new double[][] {{1, 2}, {3, 4}}, new double[] {0, 1}, 1);
    assertThatThrownBy(() -> good().rowCount(-1).delta(0.5).fit(two))
        .hasMessageContaining("delta 0.5 must be below 1/N = 0.5 (N = 2 rows)");
  }

  @Test
  void nonPositiveSteps(SparkSession spark) {
    failsNaming(spark, t -> t.steps(0), "steps must be positive, got 0");
    failsNaming(spark, t -> t.steps(-3), "steps must be positive, got -3");
  }

  @Test
  void otherParameters(SparkSession spark) {
    failsNaming(spark, t -> t.learningRate(0), "learningRate must be positive");
    failsNaming(spark, t -> t.momentum(1), "momentum must be in [0, 1), got 1.0");
    failsNaming(spark, t -> t.inputColumns("features", "y"), "inputColumns names \"y\"");
    failsNaming(spark, t -> t.targetEpsilon(1e-6), "targetEpsilon 1.0E-6 is exceeded by a single");
  }

  @Test
  void adamParameters(SparkSession spark) {
    failsNaming(spark, t -> t.adam(1, 0.999, 1e-8), "adam beta1 must be in [0, 1), got 1.0");
    failsNaming(spark, t -> t.adam(0.9, -0.1, 1e-8), "adam beta2 must be in [0, 1), got -0.1");
    failsNaming(spark, t -> t.adam(0.9, 0.999, 0), "adam epsilon must be positive and finite");
    failsNaming(spark, t -> t.momentum(0.5).adam(), "momentum applies to SGD; with adam(...)");
  }

  @Test
  void theGoodConfigurationReachesSpark(SparkSession spark) {
    assertThatThrownBy(() -> good().fit(poisoned(spark))).hasMessageContaining("a Spark job ran");
    assertThat(good()).isNotNull();
  }
}
