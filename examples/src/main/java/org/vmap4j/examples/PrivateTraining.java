package org.vmap4j.examples;

import java.io.PrintStream;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.apache.spark.sql.SparkSession;
import org.vmap4j.DType;
import org.vmap4j.Tensor;
import org.vmap4j.examples.LogisticRegressionByHand.Params;
import org.vmap4j.privacy.NoiseCalibration;
import org.vmap4j.privacy.PldAccountant;
import org.vmap4j.privacy.RdpAccountant;
import org.vmap4j.spark.dp.DpSgd;
import org.vmap4j.spark.dp.DpSgdResult;

/**
 * Differentially private logistic regression on the breast cancer data with {@link DpSgd}: Poisson
 * samples drawn by Spark, per-row gradients clipped on the executors, Gaussian noise added on the
 * driver, the privacy spent tracked by an accountant. Checks: the accountant's ε stays at the
 * target the noise was calibrated for; the PLD accountant, with every row in every step, is an
 * upper bound within its discretization of the exact ε of the Gaussian mechanism (computed here
 * from its closed form, Balle and Wang 2018); and the private model is clearly better than always
 * answering the majority class.
 */
final class PrivateTraining {
  private PrivateTraining() {}

  static final double TARGET_EPSILON = 3.0;
  static final double DELTA = 1e-5;

  /** What the section found, for tests. */
  record Result(
      double epsilon, double pldEpsilon, double exactEpsilon, double accuracy, double majority) {}

  static Result run(SparkSession spark, PrintStream out, int steps) {
    BreastCancer data = BreastCancer.load();
    Tensor x = data.standardizedFeatures();
    Tensor y = data.labels();
    double q = 0.2;
    double sigma =
        NoiseCalibration.noiseMultiplier(RdpAccountant::new, TARGET_EPSILON, DELTA, q, steps);
    Params zero = new Params(Tensor.zeros(DType.F64, x.shape()[1]), Tensor.zeros(DType.F64));
    DpSgdResult<Params> result =
        DpSgd.of(SparkPerSampleGradients::loss, zero)
            .inputColumns("features", "label")
            .sampleRate(q)
            .noiseMultiplier(sigma)
            .clipNorm(1.0)
            .delta(DELTA)
            .steps(steps)
            .learningRate(0.5)
            .momentum(0.5)
            .fit(SparkPerSampleGradients.frame(spark, x, y));
    double accuracy = LogisticRegressionByHand.accuracy(result.params(), x, y);
    double positives = y.mean().item();
    double majority = Math.max(positives, 1 - positives);
    if (!(result.epsilon() <= TARGET_EPSILON * (1 + 1e-9))) {
      throw new IllegalStateException(
          "check failed: epsilon " + result.epsilon() + " above target");
    }
    if (!(accuracy >= majority + 0.15)) {
      throw new IllegalStateException(
          "check failed: private accuracy " + accuracy + " not clearly above " + majority);
    }

    // one step of the unsampled Gaussian mechanism: PLD against the exact epsilon
    double pld = new PldAccountant().step(sigma, 1.0, 1).epsilon(DELTA);
    double exact = exactGaussianEpsilon(sigma, DELTA);
    double excess = Main.checked(pld - exact, 1e-3);
    if (excess < -1e-9) {
      throw new IllegalStateException("check failed: PLD epsilon below the exact one");
    }

    out.printf(
        "   %d steps at q = %.1f (about %.0f of %d rows each), noise multiplier %.3f calibrated"
            + " for epsilon %.1f at delta %.0e%n",
        steps, q, q * x.shape()[0], x.shape()[0], sigma, TARGET_EPSILON, DELTA);
    out.printf(
        "   epsilon spent (RDP): %.3f; training accuracy %.3f (majority class %.3f)%n",
        result.epsilon(), accuracy, majority);
    out.printf(
        "   one unsampled step at that noise: PLD epsilon %.5f, exact (closed form) %.5f%n",
        pld, exact);
    return new Result(result.epsilon(), pld, exact, accuracy, majority);
  }

  /**
   * The exact ε of one Gaussian mechanism with sensitivity 1 and noise σ at δ: the root of δ(ε) =
   * Φ(-εσ + 1/(2σ)) - e^ε Φ(-εσ - 1/(2σ)), by bisection.
   */
  static double exactGaussianEpsilon(double sigma, double delta) {
    NormalDistribution phi = new NormalDistribution(0, 1);
    double lo = 0;
    double hi = 100;
    for (int i = 0; i < 200; i++) {
      double eps = (lo + hi) / 2;
      double d =
          phi.cumulativeProbability(-eps * sigma + 1 / (2 * sigma))
              - Math.exp(eps) * phi.cumulativeProbability(-eps * sigma - 1 / (2 * sigma));
      if (d > delta) {
        lo = eps;
      } else {
        hi = eps;
      }
    }
    return hi;
  }
}
