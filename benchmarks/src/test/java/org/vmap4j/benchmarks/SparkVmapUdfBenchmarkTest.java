package org.vmap4j.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vmap4j.Tensor;

/** The benchmark's Spark variants compute the same gradients, on a small frame. */
class SparkVmapUdfBenchmarkTest {
  static SparkSession spark;

  @BeforeAll
  static void start() {
    spark =
        SparkSession.builder()
            .master("local[2]")
            .config("spark.ui.enabled", "false")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .getOrCreate();
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  static float[] grads(Dataset<Row> df) {
    List<Row> rows = df.orderBy("id").collectAsList();
    int d = rows.get(0).getList(rows.get(0).fieldIndex("grad")).size();
    float[] out = new float[rows.size() * d];
    for (int r = 0; r < rows.size(); r++) {
      List<Float> g = rows.get(r).getList(rows.get(r).fieldIndex("grad"));
      for (int i = 0; i < d; i++) {
        out[r * d + i] = g.get(i);
      }
    }
    return out;
  }

  @Test
  void variantsAgree() {
    int d = 8;
    Dataset<Row> df = SparkVmapUdfBenchmark.data(spark, 200, d, 3);
    Tensor w = SparkVmapUdfBenchmark.weights(d);
    float[] wf = w.toFloatArray();

    float[] arrow = grads(SparkVmapUdfBenchmark.vmapUdf(w, true).transform(df));
    float[] direct = grads(SparkVmapUdfBenchmark.vmapUdf(w, false).transform(df));
    float[] closed =
        grads(
            df.withColumn(
                "grad", SparkVmapUdfBenchmark.closedFormUdf(wf).apply(df.col("x"), df.col("y"))));
    float[] perRow =
        grads(
            df.withColumn(
                "grad", SparkVmapUdfBenchmark.perRowUdf(wf).apply(df.col("x"), df.col("y"))));

    org.vmap4j.spark.VmapSpark.install(spark);
    float[] column =
        grads(df.withColumn("grad", SparkVmapUdfBenchmark.vmapColumn(w, df.col("x"), df.col("y"))));

    assertThat(direct).containsExactly(arrow);
    assertThat(column).containsExactly(arrow);
    assertThat(Tensor.of(arrow).allClose(Tensor.of(closed), 1e-5, 1e-6)).isTrue();
    assertThat(Tensor.of(arrow).allClose(Tensor.of(perRow), 1e-5, 1e-6)).isTrue();
  }
}
