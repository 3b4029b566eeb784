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
import org.vmap4j.spark.dp.DpSgd;
import org.vmap4j.spark.dp.DpSgdResult;

/**
 * DP-SGD on the digits with the MLP of {@link DigitsMlp} (64-32-10) or the CNN of {@link DigitsCnn}
 * (from a seeded initialisation), see {@link DigitsClassifier}: for each target ε in {1, 3, 8} at δ
 * = 1e-5, the noise multiplier is calibrated with the RDP accountant for the run's sample rate and
 * steps, {@link DpSgd} trains on a Spark DataFrame of the first 5/6 of the rows, and the rest
 * measure test accuracy. The same model, initialisation, optimizer, sample rate and steps without
 * clipping or noise give the non-private accuracy. Printed per ε: σ, the ε the RDP accountant
 * reports for the run, the ε the PLD accountant reports for the same run (tighter), the test
 * accuracy; then a text chart of accuracy against ε. An SVG of the same chart is written to {@code
 * target/charts/digits-dp-accuracy.svg} (MLP) or {@code digits-cnn-dp-accuracy.svg} (CNN).
 *
 * <p>Run: {@code ./mvnw -B -pl examples -am test-compile exec:exec -Dmaven.test.skip=true
 * -Dexample=DigitsPrivateTraining [-DexampleArgs="[--model mlp|cnn] [STEPS Q]"]} (default 150
 * steps, q = 0.1, for either model); see docs/dp.md.
 */
public final class DigitsPrivateTraining {
  private DigitsPrivateTraining() {}

  static final double[] EPSILONS = {1, 3, 8};
  static final double DELTA = 1e-5;
  static final double CLIP = 1.0;
  static final long SEED = 9;

  /** One private run. */
  record PrivateRun(
      double targetEpsilon,
      double sigma,
      double rdpEpsilon,
      double pldEpsilon,
      double accuracy,
      boolean finiteParameters) {}

  /** Every private run, the non-private accuracy, the chart file. */
  record Result(
      List<PrivateRun> runs,
      double nonPrivateAccuracy,
      boolean nonPrivateFinite,
      double majority,
      Path svg) {}

  /**
   * The guarantees a run must keep, for the README's tour (the tests check more): every private
   * run's RDP ε at most its target, the PLD ε of the same run below it, finite parameters, and a
   * non-private model that learned (above the majority guess).
   */
  static void check(Result r) {
    for (PrivateRun run : r.runs()) {
      if (!(run.rdpEpsilon() <= run.targetEpsilon() * (1 + 1e-9))
          || !(run.pldEpsilon() > 0 && run.pldEpsilon() < run.rdpEpsilon())
          || !run.finiteParameters()) {
        throw new IllegalStateException("check failed: the private run " + run);
      }
    }
    if (!(r.nonPrivateAccuracy() > r.majority()) || !r.nonPrivateFinite()) {
      throw new IllegalStateException(
          "check failed: non-private accuracy "
              + r.nonPrivateAccuracy()
              + " not above the majority guess "
              + r.majority());
    }
  }

  public static void main(String[] args) {
    List<String> rest = new ArrayList<>(List.of(args));
    DigitsClassifier<?> model = DigitsClassifier.MLP;
    if (!rest.isEmpty() && rest.get(0).equals("--model")) {
      if (rest.size() < 2) {
        throw new IllegalArgumentException("--model needs a value: --model mlp or --model cnn");
      }
      model = DigitsClassifier.named(rest.get(1));
      rest = rest.subList(2, rest.size());
    }
    int steps = rest.size() > 0 ? Integer.parseInt(rest.get(0)) : model.defaultSteps();
    double q = rest.size() > 1 ? Double.parseDouble(rest.get(1)) : model.defaultSampleRate();
    SparkSession spark = ExampleSpark.start("vmap4j digits DP-SGD (" + model.name() + ")");
    try {
      run(spark, System.out, Charts.folder(), model, steps, q);
    } finally {
      spark.stop();
    }
  }

  /** The MLP run (the spark-shell script's and the first test's). */
  static Result run(SparkSession spark, PrintStream out, Path chartFolder, int steps, double q) {
    return run(spark, out, chartFolder, DigitsClassifier.MLP, steps, q);
  }

  static <P> Result run(
      SparkSession spark,
      PrintStream out,
      Path chartFolder,
      DigitsClassifier<P> model,
      int steps,
      double q) {
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
        "DP-SGD on the digits: %s, %d parameters from seed %d; %d training rows (Spark), %d test"
            + " rows; %d steps at q = %.2f (expected batch %.0f), clip %.1f, SGD lr %.2f momentum"
            + " %.2f, delta %.0e%n",
        model.description(),
        model.parameterCount(model.init().apply(SEED)),
        SEED,
        trainRows,
        testLabels.length,
        steps,
        q,
        q * trainRows,
        CLIP,
        model.learningRate(),
        model.momentum(),
        DELTA);
    List<PrivateRun> runs = new ArrayList<>();
    for (double target : EPSILONS) {
      long start = System.nanoTime();
      double sigma = NoiseCalibration.noiseMultiplier(RdpAccountant::new, target, DELTA, q, steps);
      DpSgdResult<P> r =
          DpSgd.of(model.rowLoss(), model.init().apply(SEED))
              .inputColumns("pixels", "digit")
              .sampleRate(q)
              .noiseMultiplier(sigma)
              .clipNorm(CLIP)
              .delta(DELTA)
              .steps(steps)
              .learningRate(model.learningRate())
              .momentum(model.momentum())
              .rowCount(trainRows)
              .fit(train);
      double pld = new PldAccountant().step(sigma, q, steps).epsilon(DELTA);
      double accuracy = accuracy(model, r.params(), testPixels, testLabels);
      runs.add(
          new PrivateRun(target, sigma, r.epsilon(), pld, accuracy, model.allFinite(r.params())));
      out.printf(
          "   target epsilon %.0f: sigma %.3f; epsilon reported by RDP %.3f, by PLD %.3f;"
              + " test accuracy %.3f (%.1f s)%n",
          target, sigma, r.epsilon(), pld, accuracy, seconds(start));
    }
    long start = System.nanoTime();
    P plain = nonPrivate(model, trainPixels, trainLabels, steps, q);
    double nonPrivate = accuracy(model, plain, testPixels, testLabels);
    double majority = majorityShare(testLabels);
    out.printf(
        "   non-private (same model, init, optimizer, q and steps; no clipping, no noise): test"
            + " accuracy %.3f (%.1f s); most frequent digit %.3f%n",
        nonPrivate, seconds(start), majority);
    out.print(textChart(runs, nonPrivate));
    Path svg =
        writeSvg(
            chartFolder.resolve(model.chartName() + ".svg"),
            model.name().toUpperCase(java.util.Locale.ROOT),
            runs,
            nonPrivate);
    out.printf("   chart: %s%n", svg);
    return new Result(runs, nonPrivate, model.allFinite(plain), majority, svg);
  }

  /**
   * Non-private minibatch SGD with momentum on the same Poisson-sampled batches in distribution
   * (each row kept with probability q, from a seeded {@link Random}), averaged over the expected
   * batch {@code q·N} as DP-SGD does. The kept rows are copied into a batch of fixed capacity (the
   * expected batch plus six standard deviations; a larger sample gets its own size) whose unused
   * rows weigh 0, so the compiled gradient has one shape for almost every step and costs the
   * batch's rows, not all N.
   */
  static <P> P nonPrivate(
      DigitsClassifier<P> model, Tensor pixels, int[] labels, int steps, double q) {
    int n = labels.length;
    int width = pixels.shape()[1];
    double[] allPixels = pixels.toDoubleArray();
    int capacity = (int) Math.ceil(q * n + 6 * Math.sqrt(n * q * (1 - q)));
    BiFunction<P, List<Tensor>, P> gradient =
        jit(
            grad(
                (P p, List<Tensor> batch) -> {
                  Tensor logits = model.batchLogits().apply(p, batch.get(0));
                  Tensor oneHot =
                      Tensor.arange(Digits.CLASSES).eq(batch.get(1).unsqueeze(1)).astype(DType.F64);
                  Tensor perRow = logits.logSoftmax(1).mul(oneHot).sum(1).neg();
                  return perRow.mul(batch.get(2)).sum();
                }));
    Random sampler = new Random(SEED);
    P p = model.init().apply(SEED);
    List<Tensor> velocity = new ArrayList<>();
    for (Tensor leaf : Tree.leaves(p)) {
      velocity.add(Tensor.zeros(DType.F64, leaf.shape()));
    }
    for (int t = 0; t < steps; t++) {
      List<Integer> kept = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        if (sampler.nextDouble() < q) {
          kept.add(i);
        }
      }
      int rows = Math.max(capacity, kept.size());
      double[] batchPixels = new double[rows * width];
      int[] batchLabels = new int[rows];
      double[] weight = new double[rows];
      for (int k = 0; k < kept.size(); k++) {
        int i = kept.get(k);
        System.arraycopy(allPixels, i * width, batchPixels, k * width, width);
        batchLabels[k] = labels[i];
        weight[k] = 1;
      }
      P g =
          gradient.apply(
              p,
              List.of(
                  Tensor.of(batchPixels, rows, width),
                  Tensor.of(batchLabels, rows),
                  Tensor.of(weight, rows)));
      List<Tensor> params = Tree.leaves(p);
      List<Tensor> grads = Tree.leaves(g);
      List<Tensor> next = new ArrayList<>();
      for (int i = 0; i < params.size(); i++) {
        Tensor v = velocity.get(i).mul(model.momentum()).add(grads.get(i).div(q * n));
        velocity.set(i, v);
        next.add(params.get(i).sub(v.mul(model.learningRate())));
      }
      @SuppressWarnings("unchecked") // unflatten of p's own structure gives a P back
      P updated = (P) Tree.structure(p).unflatten(next);
      p = updated;
    }
    return p;
  }

  static <P> double accuracy(DigitsClassifier<P> model, P p, Tensor pixels, int[] labels) {
    int[] predicted = model.predict(p, pixels);
    int right = 0;
    for (int i = 0; i < labels.length; i++) {
      right += predicted[i] == labels[i] ? 1 : 0;
    }
    return (double) right / labels.length;
  }

  /** Wall seconds since {@code start}, printed only (a shared machine's single run). */
  private static double seconds(long start) {
    return (System.nanoTime() - start) / 1e9;
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
  static Path writeSvg(Path file, String model, List<PrivateRun> runs, double nonPrivate) {
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
            "<text x=\"%d\" y=\"20\">DP-SGD on the digits (%s): test accuracy against epsilon"
                + " (delta 1e-5)</text>%n",
            gap, model));
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
