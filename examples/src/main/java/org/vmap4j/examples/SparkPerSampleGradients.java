package org.vmap4j.examples;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.vmap4j.Tensor;
import org.vmap4j.examples.LogisticRegressionByHand.Params;
import org.vmap4j.spark.PerSampleGradients;
import org.vmap4j.spark.SerializableBiFunction;

/**
 * The mission's main job on an embedded {@code local[*]} Spark: per-sample gradients and gradient
 * norms of a logistic-regression model on the Wisconsin breast-cancer data, computed by {@link
 * PerSampleGradients} (one {@code vmap(grad(loss))} call per batch of rows, executed on Spark's
 * tasks). Prints the rows with the largest gradient norms (the examples the trained model fits
 * worst) and the rows per second of the job, writes the gradients to Parquet and a histogram of the
 * gradient norms to {@code breast_cancer_gradient_norms.png}.
 *
 * <p>Run: {@code ./mvnw -B -pl examples -am test-compile exec:exec -Dmaven.test.skip=true
 * -Dexample=SparkPerSampleGradients}
 */
public final class SparkPerSampleGradients {
  private SparkPerSampleGradients() {}

  /** The loss of one example: binary cross-entropy of the logistic model, from logits. */
  static Tensor loss(Params p, Map<String, Tensor> row) {
    return LogisticRegressionByHand.loss(p, row.get("features"), row.get("label"));
  }

  /** What the job produced, for tests. */
  record Result(
      Path parquet, List<Row> gradients, Params params, double rowsPerSecond, Path chart) {}

  public static void main(String[] args) {
    run(System.out);
  }

  /** Runs the job, writing the Parquet files under a fresh temporary folder. */
  public static void run(PrintStream out) {
    try {
      run(out, Files.createTempDirectory("vmap4j-breast-cancer-gradients"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Result run(PrintStream out, Path folder) {
    SparkSession spark = ExampleSpark.start("vmap4j breast-cancer per-sample gradients");
    try {
      return run(spark, out, folder, Charts.folder());
    } finally {
      spark.stop();
    }
  }

  /**
   * Runs the job on a running session: Parquet files under {@code folder}, the chart in {@code
   * chartFolder}.
   */
  static Result run(SparkSession spark, PrintStream out, Path folder, Path chartFolder) {
    BreastCancer data = BreastCancer.load();
    Tensor x = data.standardizedFeatures();
    Tensor y = data.labels();
    Params params = LogisticRegressionByHand.train(x, y, 200, 0.5);
    int n = x.shape()[0];
    int d = x.shape()[1];

    Dataset<Row> df = frame(spark, x, y);

    SerializableBiFunction<Params, Map<String, Tensor>, Tensor> loss =
        SparkPerSampleGradients::loss;
    PerSampleGradients perSample =
        PerSampleGradients.of(loss, params).inputColumns("features", "label").withNorm("grad_norm");
    Dataset<Row> gradients = perSample.transform(df);

    out.println(
        "Per-sample gradients of logistic regression on the breast cancer data ("
            + n
            + " rows x "
            + d
            + " features), on Spark "
            + spark.version()
            + " "
            + spark.sparkContext().master()
            + ", "
            + df.rdd().getNumPartitions()
            + " partitions");
    out.println(
        "   model: trained 200 steps of full-batch gradient descent on the standardized data");
    out.println(
        "   columns added: " + String.join(", ", perSample.gradientColumns()) + ", grad_norm");

    long start = System.nanoTime();
    Path parquet = folder.resolve("gradients.parquet");
    gradients
        .select("row", "label", "grad_w", "grad_b", "grad_norm")
        .write()
        .mode(SaveMode.Overwrite)
        .parquet(parquet.toString());
    double seconds = (System.nanoTime() - start) / 1e9;
    double rowsPerSecond = n / seconds;

    Dataset<Row> written = spark.read().parquet(parquet.toString());
    List<Row> top = written.orderBy(functions.col("grad_norm").desc()).limit(5).collectAsList();
    out.println(
        "   the 5 rows with the largest gradient norms (the examples the model fits worst):");
    out.println("     row  label  P(benign)  grad_norm");
    for (Row r : top) {
      int i = r.getInt(0);
      double p = x.index(0, i).matmul(params.w()).add(params.b()).sigmoid().item();
      out.printf("     %3d  %5.0f  %9.4f  %9.4f%n", i, r.getDouble(1), p, r.getDouble(4));
    }
    out.printf(
        "   %d rows in %.2f s: %.0f rows/s (one small job, mostly Spark's fixed cost per job)%n",
        n, seconds, n / seconds);
    int copies = 200;
    Dataset<Row> many =
        spark.range(0, copies, 1, 2).crossJoin(df).select("row", "features", "label");
    start = System.nanoTime();
    perSample.transform(many).write().format("noop").mode(SaveMode.Overwrite).save();
    seconds = (System.nanoTime() - start) / 1e9;
    rowsPerSecond = (double) copies * n / seconds;
    out.printf(
        "   the same gradients for the data repeated %d times (%d rows): %.2f s, %.0f rows/s%n",
        copies, copies * n, seconds, rowsPerSecond);
    out.println("   gradients written to " + parquet);
    List<Row> all = written.orderBy("row").collectAsList();
    Path chart = normChart(all, x, params, chartFolder);
    out.println("   histogram of the gradient norms written to " + chart);
    return new Result(parquet, all, params, rowsPerSecond, chart);
  }

  /** Histogram of log10(gradient norm), rows the model classifies correctly against the others. */
  private static Path normChart(List<Row> rows, Tensor x, Params params, Path chartFolder) {
    double[] p = x.matmul(params.w()).add(params.b()).sigmoid().toDoubleArray();
    List<Double> right = new ArrayList<>();
    List<Double> wrong = new ArrayList<>();
    for (Row r : rows) {
      int i = r.getInt(0);
      boolean correct = (p[i] > 0.5) == (r.getDouble(1) == 1);
      (correct ? right : wrong).add(Math.log10(r.getDouble(4)));
    }
    Map<String, List<Double>> series = new LinkedHashMap<>();
    series.put("classified correctly (" + right.size() + ")", right);
    series.put("misclassified (" + wrong.size() + ")", wrong);
    return Charts.save(
        chartFolder,
        "breast_cancer_gradient_norms",
        List.of(
            Charts.histogram(
                "Per-sample gradient norms, logistic regression on breast cancer ("
                    + rows.size()
                    + " rows)",
                "log10 of the gradient norm",
                series,
                30)));
  }

  /** The examples as rows ({@code row}, {@code features} array, {@code label}). */
  static Dataset<Row> frame(SparkSession spark, Tensor x, Tensor y) {
    int n = x.shape()[0];
    int d = x.shape()[1];
    StructType schema =
        new StructType()
            .add("row", DataTypes.IntegerType, false)
            .add("features", DataTypes.createArrayType(DataTypes.DoubleType, false), false)
            .add("label", DataTypes.DoubleType, false);
    List<Row> rows = new ArrayList<>(n);
    double[] xs = x.toDoubleArray();
    double[] ys = y.toDoubleArray();
    for (int i = 0; i < n; i++) {
      double[] f = new double[d];
      System.arraycopy(xs, i * d, f, 0, d);
      rows.add(RowFactory.create(i, f, ys[i]));
    }
    Dataset<Row> df = spark.createDataFrame(rows, schema);
    return df;
  }
}
