package org.vmap4j.spark.dp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.vmap4j.Tensor;
import org.vmap4j.privacy.NoiseCalibration;
import org.vmap4j.privacy.RdpAccountant;
import org.vmap4j.spark.SharedSpark;
import org.vmap4j.spark.dp.LogisticData.Params;

/**
 * DP-SGD logistic regression on the UCI breast cancer data (the copy bundled with the examples) at
 * epsilon 3, delta 1e-5, beside non-private minibatch SGD on the same Poisson samples; also the
 * trainer snippet of docs/dp.md, as written there.
 */
@ExtendWith(SharedSpark.class)
class DpSgdBreastCancerTest {
  static final Path CSV =
      Path.of("../examples/src/main/resources/org/vmap4j/examples/data/breast_cancer.csv");

  @Test
  void epsilonThreeReachesAnAccuracyWellAboveChance(SparkSession spark) throws IOException {
    List<String> lines = Files.readAllLines(CSV);
    int d = Integer.parseInt(lines.get(0).split(",")[1]);
    List<double[]> all = new ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      String[] c = line.split(",");
      double[] v = new double[d + 1];
      for (int j = 0; j <= d; j++) {
        v[j] = Double.parseDouble(c[j]);
      }
      all.add(v);
    }
    Collections.shuffle(all, new Random(0));
    List<double[]> train = all.subList(0, 455);
    List<double[]> test = all.subList(455, all.size());
    double[] mean = new double[d];
    double[] sd = new double[d];
    for (double[] r : train) {
      for (int j = 0; j < d; j++) {
        mean[j] += r[j] / train.size();
      }
    }
    for (double[] r : train) {
      for (int j = 0; j < d; j++) {
        sd[j] += (r[j] - mean[j]) * (r[j] - mean[j]) / train.size();
      }
    }
    double[][] x = new double[train.size()][d];
    double[] y = new double[train.size()];
    for (int i = 0; i < train.size(); i++) {
      for (int j = 0; j < d; j++) {
        x[i][j] = (train.get(i)[j] - mean[j]) / Math.sqrt(sd[j]);
      }
      y[i] = train.get(i)[d];
    }
    Dataset<Row> df = LogisticData.frame(spark, x, y, 2).cache();
    Params initialParams = new Params(Tensor.of(new double[d]).add(0.01), Tensor.scalar(0.0));

    // docs/dp.md, "Training on a DataFrame"
    double q = 0.2; // expected batch: 91 of 455 rows
    long steps = 60;
    double sigma = NoiseCalibration.noiseMultiplier(RdpAccountant::new, 3.0, 1e-5, q, steps);
    DpSgdResult<Params> result =
        DpSgd.of(LogisticData::loss, initialParams)
            .inputColumns("features", "label")
            .sampleRate(q)
            .noiseMultiplier(sigma)
            .clipNorm(1.0)
            .delta(1e-5)
            .steps(steps)
            .learningRate(0.5)
            .momentum(0.5)
            .listener(
                s ->
                    System.out.printf(
                        "step %d: %d rows, eps %.3f%n", s.step(), s.sampledRows(), s.epsilon()))
            .fit(df);
    // end of snippet

    // non-private: the same Poisson samples, no clipping, no noise, the same optimizer
    double[] theta = new double[d + 1];
    java.util.Arrays.fill(theta, 0, d, 0.01);
    double[] velocity = new double[d + 1];
    for (long t = 0; t < steps; t++) {
      double[] sum = new double[d + 1];
      for (Row r : df.sample(false, q, StepSeeds.forStep(result.masterSeed(), t)).collectAsList()) {
        double[] g = LogisticData.gradient(theta, LogisticData.features(r), LogisticData.label(r));
        for (int j = 0; j <= d; j++) {
          sum[j] += g[j];
        }
      }
      for (int j = 0; j <= d; j++) {
        velocity[j] = 0.5 * velocity[j] + sum[j] / (q * x.length);
        theta[j] -= 0.5 * velocity[j];
      }
    }
    double[] dp = DpSgdTest.flat(result.params());
    double dpAccuracy = accuracy(dp, test, mean, sd);
    double plainAccuracy = accuracy(theta, test, mean, sd);
    double majority = majorityShare(test, d);
    System.out.printf(
        "breast cancer, %d steps at q = %.2f: DP (epsilon %.3f, sigma %.3f) test accuracy %.4f,"
            + " non-private %.4f, majority class %.4f%n",
        steps, q, result.epsilon(), sigma, dpAccuracy, plainAccuracy, majority);

    assertThat(result.epsilon()).isLessThanOrEqualTo(3.0).isGreaterThan(2.9);
    assertThat(result.steps()).isEqualTo(steps);
    assertThat(dpAccuracy).isGreaterThan(0.85).isGreaterThan(majority + 0.15);
    assertThat(plainAccuracy).isGreaterThan(0.9);
  }

  static double accuracy(double[] wb, List<double[]> rows, double[] mean, double[] sd) {
    int d = mean.length;
    int right = 0;
    for (double[] r : rows) {
      double z = wb[d];
      for (int j = 0; j < d; j++) {
        z += wb[j] * (r[j] - mean[j]) / Math.sqrt(sd[j]);
      }
      if ((z > 0 ? 1.0 : 0.0) == r[d]) {
        right++;
      }
    }
    return (double) right / rows.size();
  }

  static double majorityShare(List<double[]> rows, int d) {
    double ones = rows.stream().filter(r -> r[d] == 1).count();
    return Math.max(ones, rows.size() - ones) / rows.size();
  }
}
