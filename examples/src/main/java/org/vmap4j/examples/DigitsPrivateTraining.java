package org.vmap4j.examples;

import static org.vmap4j.Func.grad;
import static org.vmap4j.Func.jit;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.BiFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.vmap4j.DType;
import org.vmap4j.Tensor;
import org.vmap4j.Tree;
import org.vmap4j.privacy.NoiseCalibration;
import org.vmap4j.privacy.PldAccountant;
import org.vmap4j.privacy.RdpAccountant;
import org.vmap4j.spark.SerializableBiFunction;
import org.vmap4j.spark.dp.DpSgd;
import org.vmap4j.spark.dp.DpSgdResult;

/**
 * DP-SGD on the digits with the MLP of {@link DigitsMlp} (64-32-10): for each target ε in {1, 3, 8}
 * at δ = 1e-5, the noise multiplier is calibrated with the RDP accountant for the run's sample rate
 * and steps, {@link DpSgd} trains on a Spark DataFrame of the first 5/6 of the rows, and the rest
 * measure test accuracy. The same model, initialisation, optimizer, sample rate and steps without
 * clipping or noise give the non-private accuracy. Printed per ε: σ, the ε the RDP accountant
 * reports for the run, the ε the PLD accountant reports for the same run (tighter), the test
 * accuracy; then a text chart of accuracy against ε. An SVG of the same chart is written to {@code
 * target/charts/digits-dp-accuracy.svg}.
 *
 * <p>Run: {@code ./mvnw -B -pl examples -am test-compile exec:exec -Dmaven.test.skip=true
 * -Dexample=DigitsPrivateTraining [-DexampleArgs="STEPS Q"]} (default 150 steps, q = 0.1); see
 * docs/dp.md.
 */
public final class DigitsPrivateTraining {
  private DigitsPrivateTraining() {}

  static final double[] EPSILONS = {1, 3, 8};
  static final double DELTA = 1e-5;
  static final double CLIP = 1.0;
  static final double LEARNING_RATE = 0.5;
  static final double MOMENTUM = 0.9;
  static final long SEED = 9;

  /** One private run. */
  record PrivateRun(
      double targetEpsilon, double sigma, double rdpEpsilon, double pldEpsilon, double accuracy) {}

  /** Every private run, the non-private accuracy, the chart file. */
  record Result(List<PrivateRun> runs, double nonPrivateAccuracy, double majority, Path svg) {}

  public static void main(String[] args) {
    int steps = args.length > 0 ? Integer.parseInt(args[0]) : 150;
    double q = args.length > 1 ? Double.parseDouble(args[1]) : 0.1;
    SparkSession spark = ExampleSpark.start("vmap4j digits DP-SGD");
    try {
      run(spark, System.out, Charts.folder(), steps, q);
    } finally {
      spark.stop();
    }
  }

  static Result run(SparkSession spark, PrintStream out, Path chartFolder, int steps, double q) {
    Digits data = Digits.load();
    int trainRows = Digits.ROWS * 5 / 6;
    Tensor trainPixels = data.pixels().slice(0, 0, trainRows);
    int[] labels = data.digits().toIntArray();
    int[] trainLabels = java.util.Arrays.copyOf(labels, trainRows);
    Tensor testPixels = data.pixels().slice(0, trainRows, Digits.ROWS);
    int[] testLabels = java.util.Arrays.copyOfRange(labels, trainRows, Digits.ROWS);
    Dataset<Row> train =
        DigitsPerSampleGradients.frame(spark, trainPixels, trainLabels).repartition(2).cache();
    train.count();

    out.printf(
        "DP-SGD on the digits: MLP 64-%d-10, %d training rows (Spark), %d test rows; %d steps at"
            + " q = %.2f (expected batch %.0f), clip %.1f, SGD lr %.2f momentum %.2f, delta %.0e%n",
        DigitsMlp.HIDDEN,
        trainRows,
        testLabels.length,
        steps,
        q,
        q * trainRows,
        CLIP,
        LEARNING_RATE,
        MOMENTUM,
        DELTA);
    SerializableBiFunction<DigitsMlp.Params, java.util.Map<String, Tensor>, Tensor> loss =
        DigitsMlp::rowLoss;
    List<PrivateRun> runs = new ArrayList<>();
    for (double target : EPSILONS) {
      double sigma = NoiseCalibration.noiseMultiplier(RdpAccountant::new, target, DELTA, q, steps);
      DpSgdResult<DigitsMlp.Params> r =
          DpSgd.of(loss, DigitsMlp.init(SEED))
              .inputColumns("pixels", "digit")
              .sampleRate(q)
              .noiseMultiplier(sigma)
              .clipNorm(CLIP)
              .delta(DELTA)
              .steps(steps)
              .learningRate(LEARNING_RATE)
              .momentum(MOMENTUM)
              .rowCount(trainRows)
              .fit(train);
      double pld = new PldAccountant().step(sigma, q, steps).epsilon(DELTA);
      double accuracy = accuracy(r.params(), testPixels, testLabels);
      runs.add(new PrivateRun(target, sigma, r.epsilon(), pld, accuracy));
      out.printf(
          "   target epsilon %.0f: sigma %.3f; epsilon reported by RDP %.3f, by PLD %.3f;"
              + " test accuracy %.3f%n",
          target, sigma, r.epsilon(), pld, accuracy);
    }
    DigitsMlp.Params plain = nonPrivate(trainPixels, trainLabels, steps, q);
    double nonPrivate = accuracy(plain, testPixels, testLabels);
    double majority = majorityShare(testLabels);
    out.printf(
        "   non-private (same model, init, optimizer, q and steps; no clipping, no noise): test"
            + " accuracy %.3f; most frequent digit %.3f%n",
        nonPrivate, majority);
    out.print(textChart(runs, nonPrivate));
    Path svg = writeSvg(chartFolder.resolve("digits-dp-accuracy.svg"), runs, nonPrivate);
    out.printf("   chart: %s%n", svg);
    return new Result(runs, nonPrivate, majority, svg);
  }

  /**
   * Non-private minibatch SGD with momentum on the same Poisson-sampled batches in distribution
   * (each row kept with probability q, from a seeded {@link Random}), averaged over the expected
   * batch {@code q·N} as DP-SGD does. The sample is a 0/1 weight per row, so the compiled gradient
   * has one shape for every step.
   */
  static DigitsMlp.Params nonPrivate(Tensor pixels, int[] labels, int steps, double q) {
    int n = labels.length;
    Tensor digits = Tensor.of(labels, n);
    BiFunction<DigitsMlp.Params, List<Tensor>, DigitsMlp.Params> gradient =
        jit(
            grad(
                (DigitsMlp.Params p, List<Tensor> batch) -> {
                  Tensor logits = DigitsMlp.logits(p, batch.get(0));
                  Tensor oneHot =
                      Tensor.arange(Digits.CLASSES).eq(batch.get(1).unsqueeze(1)).astype(DType.F64);
                  Tensor perRow = logits.logSoftmax(1).mul(oneHot).sum(1).neg();
                  return perRow.mul(batch.get(2)).sum();
                }));
    Random sampler = new Random(SEED);
    DigitsMlp.Params p = DigitsMlp.init(SEED);
    List<Tensor> velocity = new ArrayList<>();
    for (Tensor leaf : Tree.leaves(p)) {
      velocity.add(Tensor.zeros(DType.F64, leaf.shape()));
    }
    for (int t = 0; t < steps; t++) {
      double[] keep = new double[n];
      for (int i = 0; i < n; i++) {
        keep[i] = sampler.nextDouble() < q ? 1 : 0;
      }
      DigitsMlp.Params g = gradient.apply(p, List.of(pixels, digits, Tensor.of(keep, n)));
      List<Tensor> params = Tree.leaves(p);
      List<Tensor> grads = Tree.leaves(g);
      List<Tensor> next = new ArrayList<>();
      for (int i = 0; i < params.size(); i++) {
        Tensor v = velocity.get(i).mul(MOMENTUM).add(grads.get(i).div(q * n));
        velocity.set(i, v);
        next.add(params.get(i).sub(v.mul(LEARNING_RATE)));
      }
      p = (DigitsMlp.Params) Tree.structure(p).unflatten(next);
    }
    return p;
  }

  static double accuracy(DigitsMlp.Params p, Tensor pixels, int[] labels) {
    int[] predicted = DigitsMlp.predict(p, pixels);
    int right = 0;
    for (int i = 0; i < labels.length; i++) {
      right += predicted[i] == labels[i] ? 1 : 0;
    }
    return (double) right / labels.length;
  }

  static double majorityShare(int[] labels) {
    int[] counts = new int[Digits.CLASSES];
    for (int y : labels) {
      counts[y]++;
    }
    return (double) java.util.Arrays.stream(counts).max().orElse(0) / labels.length;
  }

  /** Accuracy against ε as rows of bars, 50 characters for accuracy 1; the last row non-private. */
  static String textChart(List<PrivateRun> runs, double nonPrivate) {
    StringBuilder b = new StringBuilder("   test accuracy against epsilon (delta 1e-5):\n");
    for (PrivateRun r : runs) {
      b.append(bar(String.format("eps %4.1f", r.targetEpsilon()), r.accuracy()));
    }
    b.append(bar("non-priv", nonPrivate));
    return b.toString();
  }

  private static String bar(String label, double accuracy) {
    int width = (int) Math.round(accuracy * 50);
    return String.format(
        "   %-9s|%s%s| %.3f%n", label, "#".repeat(width), " ".repeat(50 - width), accuracy);
  }

  /** The same chart as an SVG bar chart, written by hand (no plotting library needed). */
  static Path writeSvg(Path file, List<PrivateRun> runs, double nonPrivate) {
    int barWidth = 80;
    int gap = 40;
    int height = 300;
    int count = runs.size() + 1;
    int width = gap + count * (barWidth + gap);
    StringBuilder s = new StringBuilder();
    s.append(
        String.format(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
                + " font-family=\"sans-serif\" font-size=\"13\">%n",
            width, height + 80));
    s.append(
        String.format(
            "<text x=\"%d\" y=\"20\">DP-SGD on the digits: test accuracy against epsilon (delta"
                + " 1e-5)</text>%n",
            gap));
    for (int i = 0; i < count; i++) {
      boolean isPrivate = i < runs.size();
      double accuracy = isPrivate ? runs.get(i).accuracy() : nonPrivate;
      String label = isPrivate ? "eps " + fmt(runs.get(i).targetEpsilon()) : "non-private";
      int x = gap + i * (barWidth + gap);
      int h = (int) Math.round(accuracy * height);
      int top = 40 + height - h;
      s.append(
          String.format(
              "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>%n",
              x, top, barWidth, h, isPrivate ? "#4878a8" : "#999999"));
      s.append(String.format("<text x=\"%d\" y=\"%d\">%.3f</text>%n", x + 18, top - 4, accuracy));
      s.append(
          String.format("<text x=\"%d\" y=\"%d\">%s</text>%n", x + 8, 40 + height + 20, label));
    }
    s.append("</svg>\n");
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(file, s.toString());
      return file.toAbsolutePath().normalize();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String fmt(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
  }
}
