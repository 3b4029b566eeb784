package org.vmap4j.examples;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.vmap4j.Func;
import org.vmap4j.Tensor;
import org.vmap4j.Tree;
import org.vmap4j.spark.PerSampleGradients;
import org.vmap4j.spark.SerializableBiFunction;

/**
 * Data valuation with a real model: the GraNd score (the norm of each example's loss gradient, Paul
 * et al. 2021) of a CNN trained by PyTorch, over a Spark DataFrame of the digits. The weights come
 * from a safetensors file ({@link DigitsCnn#load}); {@link PerSampleGradients} computes every row's
 * gradient norm on Spark's tasks. Checks, each of which fails the program: every row's loss (core)
 * and gradient norm (Spark) against PyTorch's, computed by the committed training script with one
 * backward pass per row; and a few rows' norms against {@code grad} of the same loss in core, one
 * row at a time, without vmap or Spark. Prints the highest-scoring rows and writes the histogram
 * {@code digits_cnn_grand_scores.png}.
 *
 * <p>Run: {@code ./mvnw -B -pl examples -am test-compile exec:exec -Dmaven.test.skip=true
 * -Dexample=DigitsGrandScores}
 */
public final class DigitsGrandScores {
  private DigitsGrandScores() {}

  /**
   * Tolerance against PyTorch and against core's per-row grad, F64 on both sides, as {@link
   * #relative} measures it.
   */
  static final double TOLERANCE = 1e-9;

  /** What the job computed, for tests. */
  record Result(
      int rows,
      double maxLossDiffToPyTorch,
      double maxNormDiffToPyTorch,
      double maxNormDiffToPerRowGrad,
      int[] perRowChecked,
      int[] highest,
      Path chart) {}

  public static void main(String[] args) {
    int rows = args.length > 0 ? Integer.parseInt(args[0]) : Digits.ROWS;
    SparkSession spark = ExampleSpark.start("vmap4j digits CNN GraNd scores");
    try {
      run(spark, System.out, Charts.folder(), rows);
    } finally {
      spark.stop();
    }
  }

  static Result run(SparkSession spark, PrintStream out, Path chartFolder, int rows) {
    Digits data = Digits.load();
    Tensor pixels = data.pixels().slice(0, 0, rows);
    int[] labels = data.digits().slice(0, 0, rows).toIntArray();
    DigitsCnn.Params params = DigitsCnn.load();
    out.printf(
        "GraNd scores (per-sample gradient norms) of a CNN on the digits, %d rows: conv-GroupNorm"
            + "-ReLU-maxpool twice, then linear, %d parameters trained by PyTorch, read from %s%n",
        rows, params.size(), DigitsCnn.WEIGHTS);

    SerializableBiFunction<DigitsCnn.Params, Map<String, Tensor>, Tensor> loss = DigitsCnn::rowLoss;
    long start = System.nanoTime();
    List<Row> collected =
        PerSampleGradients.of(loss, params)
            .inputColumns("pixels", "digit")
            .flat()
            .withNorm("grad_norm")
            .transform(DigitsPerSampleGradients.frame(spark, pixels, labels))
            .select("row", "grad_norm")
            .collectAsList(); // in the input's order: the connector keeps rows and partitions
    double seconds = (System.nanoTime() - start) / 1e9;
    double[] norms = new double[rows];
    for (int i = 0; i < rows; i++) {
      Row r = collected.get(i);
      if (r.getInt(0) != i) {
        throw new IllegalStateException("row " + i + " came back as row " + r.getInt(0));
      }
      norms[i] = r.getDouble(1);
    }
    out.printf(
        "   on Spark %s %s: PerSampleGradients.of(DigitsCnn::rowLoss, params).withNorm(...), %.2f"
            + " s (tracing and compiling included)%n",
        spark.version(), spark.sparkContext().master(), seconds);

    // Check 1: PyTorch's loss and gradient norm of every row.
    double[][] reference = pyTorchReference(rows);
    Tensor digits = Tensor.of(labels, rows);
    Map<String, Tensor> batch = Map.of("pixels", pixels, "digit", digits);
    double[] losses =
        Func.vmap((Map<String, Tensor> row) -> DigitsCnn.rowLoss(params, row))
            .apply(batch)
            .toDoubleArray();
    double maxLossDiff = 0;
    double maxNormDiff = 0;
    for (int i = 0; i < rows; i++) {
      maxLossDiff = Math.max(maxLossDiff, relative(losses[i], reference[i][0]));
      maxNormDiff = Math.max(maxNormDiff, relative(norms[i], reference[i][1]));
    }
    out.printf(
        "   against PyTorch 1.13 (the training script's F64 loss and gradient norm, one backward"
            + " pass per row), every row: max relative difference of the losses %.3g, of the"
            + " norms %.3g%n",
        maxLossDiff, maxNormDiff);

    // Check 2: grad in core, one row at a time (no vmap, no Spark), on the first and last rows
    // and the three highest scores.
    Integer[] byNorm = IntStream.range(0, rows).boxed().toArray(Integer[]::new);
    Arrays.sort(byNorm, Comparator.comparingDouble((Integer i) -> norms[i]).reversed());
    int[] checked = {0, byNorm[0], byNorm[1], byNorm[2], rows - 1};
    double maxPerRowDiff = 0;
    for (int i : checked) {
      Map<String, Tensor> row = Map.of("pixels", pixels.index(0, i), "digit", digits.index(0, i));
      DigitsCnn.Params g = Func.grad(loss).apply(params, row);
      double sq = 0;
      for (Tensor leaf : Tree.leaves(g)) {
        for (double v : leaf.toDoubleArray()) {
          sq += v * v;
        }
      }
      maxPerRowDiff = Math.max(maxPerRowDiff, relative(norms[i], Math.sqrt(sq)));
    }
    out.printf(
        "   against grad(loss) in core one row at a time, rows %s: max relative difference %.3g%n",
        Arrays.toString(checked), maxPerRowDiff);
    check("PyTorch's losses", maxLossDiff);
    check("PyTorch's gradient norms", maxNormDiff);
    check("core's per-row grad", maxPerRowDiff);
    out.printf(
        "   checks passed (relative tolerance %.0e; values below 1e-3 to %.0e absolute)%n",
        TOLERANCE, TOLERANCE * 1e-3);

    int[] predicted =
        Func.vmap((Tensor image) -> DigitsCnn.logits(params, image))
            .apply(pixels.reshape(rows, 1, 8, 8))
            .argmax(1)
            .astype(org.vmap4j.DType.I32)
            .toIntArray();
    int[] highest = new int[Math.min(8, rows)];
    out.println("   the highest scores: row, digit, predicted, in PyTorch's training rows, norm");
    for (int k = 0; k < highest.length; k++) {
      int i = byNorm[k];
      highest[k] = i;
      out.printf(
          "     %4d  %d  %d  %-5s  %.4f%n",
          i, labels[i], predicted[i], i < TRAIN_ROWS ? "yes" : "no", norms[i]);
    }
    List<Double> right = new ArrayList<>();
    List<Double> wrong = new ArrayList<>();
    for (int i = 0; i < rows; i++) {
      (predicted[i] == labels[i] ? right : wrong).add(Math.log10(norms[i]));
    }
    out.printf("   %d rows classified correctly, %d misclassified%n", right.size(), wrong.size());
    Map<String, List<Double>> series = new LinkedHashMap<>();
    series.put("classified correctly (" + right.size() + ")", right);
    series.put("misclassified (" + wrong.size() + ")", wrong);
    Path chart =
        Charts.save(
            chartFolder,
            "digits_cnn_grand_scores",
            List.of(
                Charts.histogram(
                    "GraNd scores of a CNN on the digits (" + rows + " rows)",
                    "log10 of the per-sample gradient norm",
                    series,
                    36)));
    out.println("   histogram of the scores written to " + chart);
    return new Result(rows, maxLossDiff, maxNormDiff, maxPerRowDiff, checked, highest, chart);
  }

  /** The rows PyTorch trained on (the training script's TRAIN_ROWS). */
  static final int TRAIN_ROWS = 1497;

  /**
   * |a - b| / max(|b|, 1e-3): relative, except that values below 1e-3 (losses of rows the model is
   * sure of, computed as a difference of two logits' log-sum-exp) are compared to 1e-12.
   */
  static double relative(double a, double b) {
    double d = Math.abs(a - b) / Math.max(Math.abs(b), 1e-3);
    return Double.isNaN(d) ? Double.POSITIVE_INFINITY : d;
  }

  /** Per row: PyTorch's loss and gradient norm, from {@link DigitsCnn#REFERENCE}. */
  static double[][] pyTorchReference(int rows) {
    try (InputStream in = DigitsCnn.class.getResourceAsStream(DigitsCnn.REFERENCE)) {
      if (in == null) {
        throw new IllegalStateException("resource " + DigitsCnn.REFERENCE + " is missing");
      }
      BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      reader.readLine(); // header: row,loss,grad_norm
      double[][] out = new double[rows][];
      for (int i = 0; i < rows; i++) {
        String[] cells = reader.readLine().split(",");
        if (Integer.parseInt(cells[0]) != i) {
          throw new IllegalStateException(DigitsCnn.REFERENCE + ": expected row " + i);
        }
        out[i] = new double[] {Double.parseDouble(cells[1]), Double.parseDouble(cells[2])};
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void check(String reference, double difference) {
    if (!(difference <= TOLERANCE)) {
      throw new IllegalStateException(
          String.format(
              "digits CNN GraNd check failed: the scores differ from %s by %.3g (relative"
                  + " tolerance %.0e)",
              reference, difference, TOLERANCE));
    }
  }
}
