package org.vmap4j.examples;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.vmap4j.Func;
import org.vmap4j.InDims;
import org.vmap4j.Tensor;
import org.vmap4j.Tree;
import org.vmap4j.spark.PerSampleGradients;
import org.vmap4j.spark.SerializableBiFunction;

/**
 * Per-sample gradients of a small MLP (64-32-10, tanh, softmax cross-entropy) on the UCI digits,
 * over a DataFrame with {@link PerSampleGradients}. The model is first trained on the first 5/6 of
 * the rows by full-batch gradient descent ({@code grad} in core); then every row's gradient (2410
 * values) and its norm are computed on Spark and checked three ways: against core's {@code
 * vmap(grad(loss))} on the collected data (every row), against a hand-written backpropagation in
 * plain loops ({@link PlainMlp}, a few rows), and against central finite differences of the plain
 * loss (sampled coordinates of the same rows). The program fails when a check does. Prints the
 * distribution of gradient norms and writes it as {@code digits_gradient_norms.png}.
 *
 * <p>Run: {@code ./mvnw -B -pl examples -am test-compile exec:exec -Dmaven.test.skip=true
 * -Dexample=DigitsPerSampleGradients}
 */
public final class DigitsPerSampleGradients {
  private DigitsPerSampleGradients() {}

  static final long SEED = 9;
  static final double LEARNING_RATE = 1.0;

  /** Largest accepted differences: F64 throughout, differing only in summation order. */
  static final double EXACT_TOLERANCE = 1e-9;

  /** Central differences with a step of 1e-5 are good to about 1e-9 here; 1e-6 leaves margin. */
  static final double FINITE_DIFFERENCE_TOLERANCE = 1e-6;

  /** Summary statistics of the gradient norms. */
  record Norms(double min, double median, double mean, double p90, double max) {
    static Norms of(double[] values) {
      double[] v = values.clone();
      Arrays.sort(v);
      return new Norms(
          v[0],
          quantile(v, 0.5),
          Arrays.stream(v).average().orElseThrow(),
          quantile(v, 0.9),
          v[v.length - 1]);
    }

    private static double quantile(double[] sorted, double q) {
      return sorted[(int) Math.round(q * (sorted.length - 1))];
    }
  }

  /** What the job computed, for tests. */
  record Result(
      int rows,
      double trainAccuracy,
      double testAccuracy,
      double maxDiffToCore,
      double maxNormDiffToCore,
      double maxDiffToPlainLoops,
      double maxDiffToFiniteDifferences,
      int[] checkedRows,
      Norms norms,
      Path chart) {}

  public static void main(String[] args) {
    int rows = args.length > 0 ? Integer.parseInt(args[0]) : Digits.ROWS;
    int steps = args.length > 1 ? Integer.parseInt(args[1]) : 200;
    SparkSession spark = ExampleSpark.start("vmap4j digits MLP per-sample gradients");
    try {
      run(spark, System.out, Charts.folder(), rows, steps);
    } finally {
      spark.stop();
    }
  }

  static Result run(SparkSession spark, PrintStream out, Path chartFolder, int rows, int steps) {
    Digits data = Digits.load();
    Tensor pixels = data.pixels().slice(0, 0, rows);
    Tensor digits = data.digits().slice(0, 0, rows);
    int trainRows = rows * 5 / 6;
    long trainStart = System.nanoTime();
    DigitsMlp.Params params =
        DigitsMlp.train(
            pixels.slice(0, 0, trainRows),
            digits.slice(0, 0, trainRows),
            SEED,
            steps,
            LEARNING_RATE);
    double trainSeconds = (System.nanoTime() - trainStart) / 1e9;
    int[] predicted = DigitsMlp.predict(params, pixels);
    int[] labels = digits.toIntArray();
    double trainAccuracy = accuracy(predicted, labels, 0, trainRows);
    double testAccuracy = accuracy(predicted, labels, trainRows, rows);
    out.printf(
        "Per-sample gradients of an MLP (64-32-10, tanh, softmax cross-entropy, %d parameters) on"
            + " the UCI digits (%d images of 8x8 pixels)%n",
        params.size(), rows);
    out.printf(
        "   trained with jit(grad) in core: %d steps of full-batch gradient descent (rate %.1f, seed"
            + " %d) on the first %d rows, %.1f s; accuracy %.3f on them, %.3f on the other %d%n",
        steps,
        LEARNING_RATE,
        SEED,
        trainRows,
        trainSeconds,
        trainAccuracy,
        testAccuracy,
        rows - trainRows);

    SerializableBiFunction<DigitsMlp.Params, Map<String, Tensor>, Tensor> loss = DigitsMlp::rowLoss;
    PerSampleGradients perSample =
        PerSampleGradients.of(loss, params)
            .inputColumns("pixels", "digit")
            .flat()
            .withNorm("grad_norm");
    long start = System.nanoTime();
    List<Row> collected =
        perSample
            .transform(frame(spark, pixels, labels))
            .select("row", "grad", "grad_norm")
            .collectAsList(); // in the input's order: the connector keeps rows and partitions
    double seconds = (System.nanoTime() - start) / 1e9;
    double[][] sparkGrads = new double[rows][];
    double[] norms = new double[rows];
    for (int i = 0; i < rows; i++) {
      Row r = collected.get(i);
      if (r.getInt(0) != i) {
        throw new IllegalStateException("row " + i + " came back as row " + r.getInt(0));
      }
      List<Double> g = r.getList(1);
      sparkGrads[i] = g.stream().mapToDouble(Double::doubleValue).toArray();
      norms[i] = r.getDouble(2);
    }
    out.printf(
        "   on Spark %s %s: PerSampleGradients(...).flat().withNorm(\"grad_norm\"), %d rows"
            + " collected in %.2f s (the first job: tracing and compiling the kernel included)%n",
        spark.version(), spark.sparkContext().master(), rows, seconds);

    // Check 1: core's vmap(grad) on the same data, every row and value.
    Tensor coreFlat =
        flatPerRow(
            Func.vmap(Func.grad(loss), InDims.of(null, 0))
                .apply(params, Map.of("pixels", pixels, "digit", digits)));
    double[] core = coreFlat.toDoubleArray();
    int size = params.size();
    double maxDiffToCore = 0;
    double maxNormDiff = 0;
    for (int i = 0; i < rows; i++) {
      double sq = 0;
      for (int j = 0; j < size; j++) {
        double c = core[i * size + j];
        maxDiffToCore = Math.max(maxDiffToCore, Math.abs(sparkGrads[i][j] - c));
        sq += c * c;
      }
      maxNormDiff = Math.max(maxNormDiff, Math.abs(norms[i] - Math.sqrt(sq)));
    }
    out.printf(
        "   check against core's vmap(grad(loss)) on the collected data, %d x %d values: max abs"
            + " difference %.3g, of the norms %.3g%n",
        rows, size, maxDiffToCore, maxNormDiff);

    // Checks 2 and 3: plain loops and finite differences on the first and last rows and the
    // three with the largest norms.
    Integer[] byNorm = IntStream.range(0, rows).boxed().toArray(Integer[]::new);
    Arrays.sort(byNorm, Comparator.comparingDouble((Integer i) -> norms[i]).reversed());
    int[] checked = {0, byNorm[0], byNorm[1], byNorm[2], rows - 1};
    double[] flatParams = flatPerRow(params).toDoubleArray();
    double[] allPixels = pixels.toDoubleArray();
    double maxDiffToPlain = 0;
    double maxDiffToFd = 0;
    Random random = new Random(SEED);
    int coordinates = 25;
    for (int i : checked) {
      double[] x = Arrays.copyOfRange(allPixels, i * Digits.PIXELS, (i + 1) * Digits.PIXELS);
      double[] plain = PlainMlp.gradient(flatParams, x, labels[i]);
      for (int j = 0; j < size; j++) {
        maxDiffToPlain = Math.max(maxDiffToPlain, Math.abs(sparkGrads[i][j] - plain[j]));
      }
      for (int c = 0; c < coordinates; c++) {
        int j = random.nextInt(size);
        double fd = centralDifference(flatParams, j, x, labels[i]);
        maxDiffToFd = Math.max(maxDiffToFd, Math.abs(sparkGrads[i][j] - fd));
      }
    }
    out.printf(
        "   check against backpropagation in plain loops, rows %s: max abs difference %.3g%n",
        Arrays.toString(checked), maxDiffToPlain);
    out.printf(
        "   check against central finite differences, %d sampled parameters of each of those"
            + " rows: max abs difference %.3g%n",
        coordinates, maxDiffToFd);
    check("core's vmap(grad)", Math.max(maxDiffToCore, maxNormDiff), EXACT_TOLERANCE);
    check("plain loops", maxDiffToPlain, EXACT_TOLERANCE);
    check("finite differences", maxDiffToFd, FINITE_DIFFERENCE_TOLERANCE);
    out.printf(
        "   checks passed (tolerances %.0e, finite differences %.0e)%n",
        EXACT_TOLERANCE, FINITE_DIFFERENCE_TOLERANCE);

    Norms summary = Norms.of(norms);
    out.printf(
        "   gradient norms: min %.3g, median %.3g, mean %.3g, 90th percentile %.3g, max %.3g%n",
        summary.min, summary.median, summary.mean, summary.p90, summary.max);
    List<Double> right = new ArrayList<>();
    List<Double> wrong = new ArrayList<>();
    for (int i = 0; i < rows; i++) {
      (predicted[i] == labels[i] ? right : wrong).add(norms[i]);
    }
    out.printf(
        "   median norm of the %d rows classified correctly %.3g, of the %d misclassified %s%n",
        right.size(),
        median(right),
        wrong.size(),
        wrong.isEmpty() ? "-" : String.format("%.3g", median(wrong)));
    out.println("   the 5 rows with the largest norms: row, digit, predicted, norm");
    for (int k = 0; k < Math.min(5, rows); k++) {
      int i = byNorm[k];
      out.printf("     %4d  %d  %d  %.3f%n", i, labels[i], predicted[i], norms[i]);
    }

    Map<String, List<Double>> series = new LinkedHashMap<>();
    series.put("classified correctly (" + right.size() + ")", log10(right));
    series.put("misclassified (" + wrong.size() + ")", log10(wrong));
    Path chart =
        Charts.save(
            chartFolder,
            "digits_gradient_norms",
            List.of(
                Charts.histogram(
                    "Per-sample gradient norms, MLP on the digits (" + rows + " rows)",
                    "log10 of the gradient norm",
                    series,
                    36)));
    out.println("   histogram of the norms written to " + chart);
    return new Result(
        rows,
        trainAccuracy,
        testAccuracy,
        maxDiffToCore,
        maxNormDiff,
        maxDiffToPlain,
        maxDiffToFd,
        checked,
        summary,
        chart);
  }

  /** Columns row (int), pixels (array of 64 doubles in [0, 1]), digit (int). */
  static Dataset<Row> frame(SparkSession spark, Tensor pixels, int[] labels) {
    StructType schema =
        new StructType()
            .add("row", DataTypes.IntegerType, false)
            .add("pixels", DataTypes.createArrayType(DataTypes.DoubleType, false), false)
            .add("digit", DataTypes.IntegerType, false);
    double[] x = pixels.toDoubleArray();
    List<Row> rows = new ArrayList<>(labels.length);
    for (int i = 0; i < labels.length; i++) {
      rows.add(
          RowFactory.create(
              i, Arrays.copyOfRange(x, i * Digits.PIXELS, (i + 1) * Digits.PIXELS), labels[i]));
    }
    return spark.createDataFrame(rows, schema);
  }

  /**
   * The leaves of a parameter pytree flattened in pytree order: {@code [size]} for parameters,
   * {@code [N, size]} for per-sample gradients (leaves with a leading batch dimension).
   */
  static Tensor flatPerRow(DigitsMlp.Params p) {
    List<Tensor> leaves = Tree.leaves(p);
    boolean batched = leaves.get(0).ndim() == 3;
    Tensor[] parts = new Tensor[leaves.size()];
    for (int i = 0; i < parts.length; i++) {
      Tensor leaf = leaves.get(i);
      parts[i] = batched ? leaf.reshape(leaf.shape()[0], -1) : leaf.reshape(-1);
    }
    return Tensor.concat(batched ? 1 : 0, parts);
  }

  private static double centralDifference(double[] params, int j, double[] x, int digit) {
    double h = 1e-5;
    double[] up = params.clone();
    double[] down = params.clone();
    up[j] += h;
    down[j] -= h;
    return (PlainMlp.loss(up, x, digit) - PlainMlp.loss(down, x, digit)) / (2 * h);
  }

  private static void check(String reference, double difference, double tolerance) {
    if (!(difference <= tolerance)) {
      throw new IllegalStateException(
          String.format(
              "digits per-sample gradients check failed: they differ from %s by %.3g"
                  + " (tolerance %.0e)",
              reference, difference, tolerance));
    }
  }

  private static double accuracy(int[] predicted, int[] labels, int from, int to) {
    int right = 0;
    for (int i = from; i < to; i++) {
      right += predicted[i] == labels[i] ? 1 : 0;
    }
    return to > from ? (double) right / (to - from) : Double.NaN;
  }

  private static double median(List<Double> values) {
    return Norms.of(values.stream().mapToDouble(Double::doubleValue).toArray()).median;
  }

  private static List<Double> log10(List<Double> values) {
    return values.stream().map(Math::log10).toList();
  }
}
