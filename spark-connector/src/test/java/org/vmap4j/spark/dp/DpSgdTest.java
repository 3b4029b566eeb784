package org.vmap4j.spark.dp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.vmap4j.Tensor;
import org.vmap4j.nn.SafeTensors;
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
   * Any start works with the smooth loss (its gradient at a logit of 0 is sigmoid(0) - y too); a
   * nonzero one keeps the first steps from being symmetric in the coordinates.
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

  /** One optimizer update by hand: the noisy averaged gradient {@code g} of update {@code k}. */
  interface HandUpdate {
    void apply(double[] theta, double[] g, int k);
  }

  /**
   * The steps by hand: same sample call, hand gradient and clip ({@code min(1, C / (|g| + 1e-6))}),
   * same noise draws; the optimizer is {@code update}. Returns the parameters; adds each step's row
   * count to {@code counts}.
   */
  static double[] byHand(int steps, HandUpdate update, List<Long> counts) {
    double[] theta = START.clone();
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
        double scale = Math.min(1, C / (norm + 1e-6)); // docs/dp.md: why the 1e-6
        for (int i = 0; i <= D; i++) {
          sum[i] += g[i] * scale;
        }
      }
      double[] g = new double[D + 1];
      for (int i = 0; i <= D; i++) {
        g[i] = (sum[i] + SIGMA * C * noise.nextGaussian()) / (Q * N);
      }
      update.apply(theta, g, t + 1);
    }
    return theta;
  }

  @Test
  void stepsEqualAPlainJavaComputationOfTheSameSteps(SparkSession spark) {
    int steps = 2;
    List<DpSgdStep> reported = new ArrayList<>();
    DpSgdResult<Params> r = trainer(steps).listener(reported::add).fit(data);

    double[] velocity = new double[D + 1];
    List<Long> counts = new ArrayList<>();
    double[] theta =
        byHand(
            steps,
            (th, g, k) -> {
              for (int i = 0; i <= D; i++) {
                velocity[i] = MOMENTUM * velocity[i] + g[i];
                th[i] -= LR * velocity[i];
              }
            },
            counts);

    assertThat(counts).allMatch(c -> c > 0);
    assertThat(reported.stream().map(DpSgdStep::sampledRows).toList()).isEqualTo(counts);
    assertThat(r.sampledRows()).containsExactly(counts.get(0), counts.get(1));
    double[] got = flat(r.params());
    for (int i = 0; i <= D; i++) {
      assertThat(got[i]).as("coordinate %d", i).isCloseTo(theta[i], within(1e-12));
    }
  }

  static final double BETA1 = 0.8;
  static final double BETA2 = 0.95;
  static final double ADAM_EPS = 1e-3;
  static final double ADAM_LR = 0.05;

  static DpSgd<Params> adamTrainer(long steps) {
    return trainer(steps).momentum(0).learningRate(ADAM_LR).adam(BETA1, BETA2, ADAM_EPS);
  }

  /** Adam, written out by hand from its definition, on the same noisy gradients. */
  @Test
  void adamStepsEqualAPlainJavaAdamOnTheSameNoisyGradients(SparkSession spark) {
    int steps = 3;
    DpSgdResult<Params> r = adamTrainer(steps).fit(data);

    double[] m = new double[D + 1];
    double[] v = new double[D + 1];
    List<Long> counts = new ArrayList<>();
    double[] theta =
        byHand(
            steps,
            (th, g, k) -> {
              for (int i = 0; i <= D; i++) {
                m[i] = BETA1 * m[i] + (1 - BETA1) * g[i];
                v[i] = BETA2 * v[i] + (1 - BETA2) * g[i] * g[i];
                double mHat = m[i] / (1 - Math.pow(BETA1, k));
                double vHat = v[i] / (1 - Math.pow(BETA2, k));
                th[i] -= ADAM_LR * mHat / (Math.sqrt(vHat) + ADAM_EPS);
              }
            },
            counts);

    assertThat(r.sampledRows()).containsExactly(counts.get(0), counts.get(1), counts.get(2));
    double[] got = flat(r.params());
    double[] sgd = flat(trainer(steps).momentum(0).learningRate(ADAM_LR).fit(data).params());
    for (int i = 0; i <= D; i++) {
      assertThat(got[i]).as("coordinate %d", i).isCloseTo(theta[i], within(1e-12));
      // a different optimizer: the test would not pass for SGD on the same gradients
      assertThat(sgd[i]).as("sgd coordinate %d", i).isNotCloseTo(theta[i], within(1e-6));
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
  void resumingAnAdamRunFromACheckpointGivesTheParametersOfAnUninterruptedRun(
      SparkSession spark, @TempDir Path tmp) throws Exception {
    DpSgdResult<Params> whole = adamTrainer(5).fit(data);

    DpSgdResult<Params> firstPart = adamTrainer(3).checkpointEvery(3, tmp).fit(data);
    DpSgdResult<Params> resumed = adamTrainer(5).resumeFrom(tmp).fit(data);

    assertThat(flat(resumed.params())).isEqualTo(flat(whole.params())); // bit for bit
    assertThat(flat(firstPart.params())).isNotEqualTo(flat(whole.params()));
    assertThat(resumed.epsilon()).isEqualTo(whole.epsilon());

    // the checkpoint is ordinary safetensors: the parameters by leaf name, Adam's moments flat
    Path step = tmp.resolve(Files.readString(tmp.resolve("latest")).trim());
    Map<String, Tensor> params = SafeTensors.load(step.resolve("params.safetensors"));
    assertThat(params.keySet()).containsExactly("w", "b");
    assertThat(params.get("w").toDoubleArray()).isEqualTo(firstPart.params().w().toDoubleArray());
    assertThat(params.get("b").item()).isEqualTo(firstPart.params().b().item());
    Map<String, Tensor> adam = SafeTensors.load(step.resolve("optimizer.safetensors"));
    assertThat(adam.keySet()).containsExactly("adam_m", "adam_v");
    assertThat(adam.get("adam_v").shape()).containsExactly(D + 1);
    assertThat(Files.readString(step.resolve("state.properties")))
        .contains("stepsDone=3", "masterSeed=7", "accountant.steps=3", "optimizer=adam");
  }

  @Test
  void missingOrDamagedCheckpointFilesAreNamedWithTheKey(SparkSession spark, @TempDir Path tmp)
      throws Exception {
    assertThatThrownBy(() -> trainer(4).resumeFrom(tmp).fit(data))
        .hasMessageContaining("no checkpoint in " + tmp)
        .hasMessageContaining(tmp.resolve("latest").toString());

    trainer(2).checkpointEvery(2, tmp).fit(data);
    Path step = tmp.resolve("step-000000000002");
    Path state = step.resolve("state.properties");
    String good = Files.readString(state);
    Files.writeString(state, good.replaceAll("(?m)^masterSeed=.*$", ""));
    assertThatThrownBy(() -> trainer(4).resumeFrom(tmp).fit(data))
        .hasMessageContaining(state.toString())
        .hasMessageContaining("lacks the key \"masterSeed\"");
    Files.writeString(state, good.replace("stepsDone=2", "stepsDone=two"));
    assertThatThrownBy(() -> trainer(4).resumeFrom(tmp).fit(data))
        .hasMessageContaining("key \"stepsDone\" is not an integer: two");
    Files.writeString(state, good);

    Path params = step.resolve("params.safetensors");
    byte[] bytes = Files.readAllBytes(params);
    Files.write(params, Arrays.copyOf(bytes, bytes.length - 8));
    assertThatThrownBy(() -> trainer(4).resumeFrom(tmp).fit(data))
        .hasMessageContaining("damaged")
        .hasMessageContaining(params.toString());
    Files.delete(params);
    assertThatThrownBy(() -> trainer(4).resumeFrom(tmp).fit(data))
        .hasMessageContaining("checkpoint file " + params + " is missing");
    Files.write(params, bytes);

    // another model's parameters: the leaf is named
    SafeTensors.save(
        params, Map.of("w", Tensor.of(new double[D + 2], D + 2), "b", Tensor.scalar(0.0)));
    assertThatThrownBy(() -> trainer(4).resumeFrom(tmp).fit(data))
        .hasMessageContaining("tensor \"w\" has shape [6]")
        .hasMessageContaining("leaf has [4]");
    Files.write(params, bytes);

    assertThatThrownBy(() -> adamTrainer(4).resumeFrom(tmp).fit(data))
        .hasMessageContaining("optimizer \"sgd\", this run uses \"adam\"");
    assertThat(trainer(4).resumeFrom(tmp).fit(data).steps()).isEqualTo(4); // intact again
  }

  @Test
  void aCheckpointOfAnotherConfigurationIsRefused(SparkSession spark, @TempDir Path tmp) {
    trainer(2).checkpointEvery(2, tmp).fit(data);
    assertThatThrownBy(() -> trainer(4).noiseMultiplier(2 * SIGMA).resumeFrom(tmp).fit(data))
        .hasMessageContaining("was taken with noiseMultiplier 0.8 and sampleRate 0.25")
        .hasMessageContaining("this run has 1.6 and 0.25");
  }
}
