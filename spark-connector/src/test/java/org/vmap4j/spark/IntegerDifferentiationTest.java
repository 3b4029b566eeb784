package org.vmap4j.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.vmap4j.DType;
import org.vmap4j.Tensor;

/**
 * Differentiating with respect to integers would give zeros (core treats integer tensors as
 * constants): the connector refuses on the driver, before any job, naming what and the fix.
 */
@ExtendWith(SharedSpark.class)
class IntegerDifferentiationTest {
  record Params(Tensor w, Tensor b) {}

  static Dataset<Row> data(SparkSession spark) {
    StructType schema =
        new StructType()
            .add("features", DataTypes.createArrayType(DataTypes.DoubleType))
            .add("label", DataTypes.DoubleType)
            .add("counts", DataTypes.createArrayType(DataTypes.IntegerType));
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      rows.add(RowFactory.create(new double[] {i, 1, -i}, (double) (i % 2), new int[] {i, 2, 3}));
    }
    return Frames.frame(spark, rows, schema, 2);
  }

  /** Counts the jobs Spark starts while {@code action} runs. */
  static int jobsDuring(SparkSession spark, Runnable action) {
    AtomicInteger jobs = new AtomicInteger();
    SparkListener listener =
        new SparkListener() {
          @Override
          public void onJobStart(SparkListenerJobStart start) {
            jobs.incrementAndGet();
          }
        };
    spark.sparkContext().addSparkListener(listener);
    try {
      action.run();
    } finally {
      try {
        spark.sparkContext().listenerBus().waitUntilEmpty();
      } catch (java.util.concurrent.TimeoutException e) {
        throw new IllegalStateException(e);
      }
      spark.sparkContext().removeSparkListener(listener);
    }
    return jobs.get();
  }

  @Test
  void integerParametersFailBeforeAnyJobNamingTheLeaf(SparkSession spark) {
    Params params =
        new Params(Tensor.of(new int[] {1, 2, 3}), Tensor.scalar(0.0)); // w: I32 by mistake
    SerializableBiFunction<Params, Map<String, Tensor>, Tensor> loss =
        (p, row) -> row.get("features").dot(p.w().astype(DType.F64)).add(p.b()).square();
    Dataset<Row> df = data(spark);
    int jobs =
        jobsDuring(
            spark,
            () ->
                assertThatIllegalArgumentException()
                    .isThrownBy(
                        () ->
                            PerSampleGradients.of(loss, params)
                                .inputColumns("features", "label")
                                .transform(df))
                    .withMessageContaining("PerSampleGradients: parameter w is i32[3]")
                    .withMessageContaining("astype(DType.F64)"));
    assertThat(jobs).isZero();
  }

  @Test
  void floatingParametersStillWork(SparkSession spark) {
    Params params = new Params(Tensor.of(new double[] {1, 2, 3}), Tensor.scalar(0.0));
    SerializableBiFunction<Params, Map<String, Tensor>, Tensor> loss =
        (p, row) -> row.get("features").dot(p.w()).add(p.b());
    List<Row> rows =
        PerSampleGradients.of(loss, params)
            .inputColumns("features", "label")
            .configure(u -> u.shape("features", 3))
            .transform(data(spark))
            .collectAsList();
    // d/dw (x . w + b) = x, d/db = 1: closed forms, per row
    for (Row r : rows) {
      assertThat(r.getList(r.fieldIndex("grad_w"))).isEqualTo(r.getList(r.fieldIndex("features")));
      assertThat(r.getDouble(r.fieldIndex("grad_b"))).isEqualTo(1.0);
    }
  }

  @Test
  void jacobiansOfAnIntegerColumnFailBeforeAnyJobNamingTheColumnAndTheCast(SparkSession spark) {
    Dataset<Row> df = data(spark);
    int jobs =
        jobsDuring(
            spark,
            () ->
                assertThatIllegalArgumentException()
                    .isThrownBy(
                        () ->
                            Jacobians.of((Tensor v) -> v.mul(2))
                                .inputColumn("counts")
                                .transform(df))
                    .withMessageContaining("Jacobians: column 'counts' is array<int> (i32)")
                    .withMessageContaining(
                        "df.withColumn(\"counts\", col(\"counts\").cast(\"array<double>\"))"));
    assertThat(jobs).isZero();
  }

  @Test
  void theSuggestedCastGivesTheRightJacobian(SparkSession spark) {
    Dataset<Row> df =
        data(spark)
            .withColumn(
                "counts", org.apache.spark.sql.functions.col("counts").cast("array<double>"));
    List<Row> rows =
        Jacobians.of((Tensor v) -> v.mul(2))
            .inputColumn("counts")
            .configure(u -> u.shape("counts", 3))
            .transform(df)
            .collectAsList();
    double[] j = Frames.f64(rows, "jacobian").toDoubleArray();
    assertThat(j).hasSize(rows.size() * 9);
    for (int i = 0; i < j.length; i++) {
      int a = i % 9 / 3;
      int b = i % 3;
      assertThat(j[i]).isEqualTo(a == b ? 2.0 : 0.0); // d(2v)/dv = 2 I
    }
  }
}
