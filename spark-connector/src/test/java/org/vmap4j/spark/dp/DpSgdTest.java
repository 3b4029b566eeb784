package org.vmap4j.spark.dp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.vmap4j.Tensor;
import org.vmap4j.privacy.PldAccountant;
import org.vmap4j.privacy.RdpAccountant;
import org.vmap4j.spark.SharedSpark;
import org.vmap4j.spark.dp.LogisticData.Params;

/** DpSgd against a plain Java DP-SGD loop, its own reruns, and the accountants. */
@ExtendWith(SharedSpark.class)
class DpSgdTest {
  static final int N = 120;
  static final int D = 4;
  static final double Q = 0.25;
  static final double SIGMA = 0.8;
  static final double C = 0.5;
  static final double LR = 0.7;
  static final double MOMENTUM = 0.9;
  static final long MASTER = 7;
  static final long NOISE = 11;

  static Dataset<Row> data;

  @BeforeAll
  static void data() {
    Random r = new Random(3);
    double[][] x = new double[N][D];
    double[] y = new double[N];
    for (int i = 0; i < N; i++) {
      double z = 0;
      for (int j = 0; j < D; j++) {
        x[i][j] = 2 * r.nextGaussian();
        z += x[i][j] * (j - 1.5);
      }
      y[i] = z + r.nextGaussian() > 0 ? 1 : 0;
    }
    data = LogisticData.frame(SharedSpark.session(), x, y, 3).cache();
  }

  /**
   * Away from 0: at a logit of exactly 0 the stable loss's relu and abs have kinks, where autodiff
   * returns a subgradient that is not sigmoid(0) - y.
   */
  static final double[] START = {0.1, -0.2, 0.3, -0.1, 0.05};

  static Params start() {
    return new Params(Tensor.of(java.util.Arrays.copyOf(START, D)), Tensor.scalar(START[D]));
  }

  static DpSgd<Params> trainer(long steps) {
    return DpSgd.of(LogisticData::loss, start())
        .inputColumns("features", "label")
        .sampleRate(Q)
        .noiseMultiplier(SIGMA)
        .clipNorm(C)
        .delta(1e-3)
        .steps(steps)
        .learningRate(LR)
        .momentum(MOMENTUM)
        .masterSeed(MASTER)
        .insecureSeededNoiseForTestsOnly(NOISE);
  }

  static double[] flat(Params p) {
    double[] w = p.w().toDoubleArray();
    double[] out = java.util.Arrays.copyOf(w, w.length + 1);
    out[w.length] = p.b().item();
    return out;
  }

  /** The same steps by hand: same sample call, hand gradient and clip, same noise draws. */
  @Test
  void stepsEqualAPlainJavaComputationOfTheSameSteps(SparkSession spark) {
    int steps = 2;
    List<DpSgdStep> reported = new ArrayList<>();
    DpSgdResult<Params> r = trainer(steps).listener(reported::add).fit(data);

    double[] theta = START.clone();
    double[] velocity = new double[D + 1];
    List<Long> counts = new ArrayList<>();
    for (int t = 0; t < steps; t++) {
      List<Row> rows = data.sample(false, Q, StepSeeds.forStep(MASTER, t)).collectAsList();
      counts.add((long) rows.size());
      Random noise = new Random(StepSeeds.forStep(NOISE, t));
      double[] sum = new double[D + 1];
      for (Row row : rows) {
        double[] g =
            LogisticData.gradient(theta, LogisticData.features(row), LogisticData.label(row));
        double norm = 0;
        for (double v : g) {
          norm += v * v;
        }
        norm = Math.sqrt(norm);
        double scale = Math.min(1, C / norm);
        for (int i = 0; i <= D; i++) {
          sum[i] += g[i] * scale;
        }
      }
      for (int i = 0; i <= D; i++) {
        double g = (sum[i] + SIGMA * C * noise.nextGaussian()) / (Q * N);
        velocity[i] = MOMENTUM * velocity[i] + g;
        theta[i] -= LR * velocity[i];
      }
    }

    assertThat(counts).allMatch(c -> c > 0);
    assertThat(reported.stream().map(DpSgdStep::sampledRows).toList()).isEqualTo(counts);
    assertThat(r.sampledRows()).containsExactly(counts.get(0), counts.get(1));
    double[] got = flat(r.params());
    for (int i = 0; i <= D; i++) {
      assertThat(got[i]).as("coordinate %d", i).isCloseTo(theta[i], within(1e-12));
    }
  }

  @Test
  void theSameMasterSeedDrawsTheSameRowsAndGivesTheSameParameters(SparkSession spark) {
    DpSgdResult<Params> a = trainer(4).fit(data);
    DpSgdResult<Params> b = trainer(4).fit(data);
    DpSgdResult<Params> other = trainer(4).masterSeed(MASTER + 1).fit(data);

    assertThat(b.sampledRows()).isEqualTo(a.sampledRows());
    assertThat(flat(b.params())).isEqualTo(flat(a.params())); // bit for bit
    assertThat(other.sampledRows()).isNotEqualTo(a.sampledRows());
    assertThat(flat(other.params())).isNotEqualTo(flat(a.params()));
  }

  @Test
  void reportedEpsilonIsTheAccountantsForTheSameRun(SparkSession spark) {
    List<DpSgdStep> reported = new ArrayList<>();
    DpSgdResult<Params> r = trainer(3).listener(reported::add).fit(data);
    RdpAccountant stepByStep = new RdpAccountant();
    for (DpSgdStep s : reported) {
      assertThat(s.epsilon()).isEqualTo(stepByStep.step(SIGMA, Q, 1).epsilon(1e-3));
    }
    // one call of 3 steps rounds differently from 3 calls of 1, by a few ulps
    double bulk = new RdpAccountant().step(SIGMA, Q, 3).epsilon(1e-3);
    assertThat(r.epsilon()).isCloseTo(bulk, within(1e-12 * bulk));

    DpSgdResult<Params> pld = trainer(3).accounting(Accounting.PLD).fit(data);
    PldAccountant pldByStep = new PldAccountant();
    for (int i = 0; i < 3; i++) {
      pldByStep.step(SIGMA, Q, 1);
    }
    assertThat(pld.epsilon()).isEqualTo(pldByStep.epsilon(1e-3));
    assertThat(pld.epsilon()).isLessThan(r.epsilon());
  }

  @Test
  void stopsBeforeTheStepThatWouldExceedTheTargetEpsilon(SparkSession spark) {
    double target = new RdpAccountant().step(SIGMA, Q, 3).epsilon(1e-3) + 1e-9;
    DpSgdResult<Params> r = trainer(50).targetEpsilon(target).fit(data);

    assertThat(r.steps()).isEqualTo(3);
    assertThat(r.stoppedAtTargetEpsilon()).isTrue();
    assertThat(r.epsilon()).isLessThanOrEqualTo(target);
    assertThat(new RdpAccountant().step(SIGMA, Q, 4).epsilon(1e-3)).isGreaterThan(target);
  }

  @Test
  void anEmptySampleIsANoiseOnlyStep(SparkSession spark) {
    // q = 1e-4 over 120 rows: P(empty) = (1 - 1e-4)^120 > 0.98; the seed below gives 0 rows
    double q = 1e-4;
    assertThat(data.sample(false, q, StepSeeds.forStep(MASTER, 0)).count()).isZero();
    DpSgdResult<Params> r = trainer(1).sampleRate(q).momentum(0).fit(data);

    Random noise = new Random(StepSeeds.forStep(NOISE, 0));
    double[] expected = new double[D + 1];
    for (int i = 0; i <= D; i++) {
      expected[i] = START[i] - LR * SIGMA * C * noise.nextGaussian() / (q * N);
    }
    assertThat(r.sampledRows()).containsExactly(0);
    double[] got = flat(r.params());
    for (int i = 0; i <= D; i++) {
      assertThat(got[i]).isCloseTo(expected[i], within(1e-9));
    }
  }

  @Test
  void resumingFromACheckpointGivesTheParametersOfAnUninterruptedRun(
      SparkSession spark, @TempDir Path tmp) {
    DpSgdResult<Params> whole = trainer(6).fit(data);

    DpSgdResult<Params> firstHalf = trainer(4).checkpointEvery(2, tmp).fit(data);
    DpSgdResult<Params> resumed = trainer(6).resumeFrom(tmp).fit(data);

    assertThat(firstHalf.sampledRows()).containsExactly(Arrays.copyOf(whole.sampledRows(), 4));
    assertThat(resumed.sampledRows())
        .containsExactly(Arrays.copyOfRange(whole.sampledRows(), 4, 6));
    assertThat(resumed.steps()).isEqualTo(6);
    assertThat(flat(resumed.params())).isEqualTo(flat(whole.params())); // bit for bit
    assertThat(flat(firstHalf.params())).isNotEqualTo(flat(whole.params()));
    assertThat(resumed.epsilon()).isEqualTo(whole.epsilon());
    assertThat(resumed.masterSeed()).isEqualTo(MASTER);
  }

  @Test
  void aCheckpointOfAnotherConfigurationIsRefused(SparkSession spark, @TempDir Path tmp) {
    trainer(2).checkpointEvery(2, tmp).fit(data);
    assertThatThrownBy(() -> trainer(4).noiseMultiplier(2 * SIGMA).resumeFrom(tmp).fit(data))
        .hasMessageContaining("was taken with noiseMultiplier 0.8 and sampleRate 0.25")
        .hasMessageContaining("this run has 1.6 and 0.25");
  }
}
