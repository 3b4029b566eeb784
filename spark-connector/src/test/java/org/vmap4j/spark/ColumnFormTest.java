package org.vmap4j.spark;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.vmap4j.spark.VmapFunctions.vmapUdf;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.FileSourceScanExec;
import org.apache.spark.sql.execution.FilterExec;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.vmap4j.DType;
import org.vmap4j.Tensor;
import org.vmap4j.spark.catalyst.VmapEvalExec;

/**
 * The Column and SQL forms as a new user writes them, and {@code transform} planned as the Column
 * form: shapes per argument, output metadata, one evaluation per distinct call, column pruning and
 * filter pushdown (asserted on the plans).
 */
@ExtendWith(SharedSpark.class)
class ColumnFormTest {
  static final int N = 40;
  static final double[] W = {0.5, -1, 2};
  static Tensor x;

  @BeforeAll
  static void data(SparkSession spark) {
    VmapSpark.install(spark);
    x = Tensor.randomNormal(41, DType.F64, N, 3);
  }

  static Dataset<Row> df(SparkSession spark) {
    return Frames.idX(spark, x, 3);
  }

  static double[] row(int i) {
    return x.index(0, i).toDoubleArray();
  }

  static double dot(int i) {
    double[] v = row(i);
    return v[0] * W[0] + v[1] * W[1] + v[2] * W[2];
  }

  static VmapUdf score() {
    double[] w = W;
    return vmapUdf((Tensor e) -> e.dot(Tensor.of(w)).sigmoid());
  }

  static List<Row> byId(Dataset<Row> df) {
    List<Row> rows = new ArrayList<>(df.collectAsList());
    rows.sort(Comparator.comparingLong(r -> r.getLong(r.fieldIndex("id"))));
    return rows;
  }

  /** The plan's nodes of one class, inside adaptive plans too. */
  static <T> List<T> nodes(Dataset<Row> df, Class<T> type) {
    List<T> out = new ArrayList<>();
    collect(df.queryExecution().executedPlan(), type, out);
    return out;
  }

  private static <T> void collect(SparkPlan p, Class<T> type, List<T> out) {
    if (type.isInstance(p)) {
      out.add(type.cast(p));
    }
    if (p instanceof org.apache.spark.sql.execution.adaptive.AdaptiveSparkPlanExec a) {
      collect(a.executedPlan(), type, out);
    }
    for (SparkPlan c : scala.jdk.javaapi.CollectionConverters.asJava(p.children())) {
      collect(c, type, out);
    }
  }

  @Test
  void aShapeDeclaredByNameOrPositionHoldsWhateverColumnItIsAppliedTo(SparkSession spark) {
    Dataset<Row> renamed = df(spark).withColumnRenamed("x", "features");
    VmapUdf byName = score().shape("x", 3); // "x": the function's own name for its argument
    VmapUdf byPosition = score().shape(0, 3);
    Dataset<Row> out =
        renamed
            .withColumn("a", byName.apply(col("features")))
            .withColumn(
                "b",
                byPosition.apply(
                    org.apache.spark.sql.functions.reverse(
                        org.apache.spark.sql.functions.reverse(col("features")))))
            .withColumn("c", byName.apply(col("features")));
    List<Row> rows = byId(out);
    for (int i = 0; i < N; i++) {
      double expected = 1 / (1 + Math.exp(-dot(i)));
      for (String c : List.of("a", "b", "c")) {
        assertThat(rows.get(i).getDouble(rows.get(i).fieldIndex(c)))
            .isCloseTo(expected, Offset.offset(1e-12));
      }
    }
  }

  @Test
  void aShapeNameNoArgumentHasSuggestsThePosition(SparkSession spark) {
    SerializableFunction<Map<String, Tensor>, Tensor> f = m -> m.get("a").add(m.get("b"));
    assertThatIllegalArgumentException()
        .isThrownBy(
            () ->
                vmapUdf(f)
                    .inputColumns("a", "b")
                    .shape("x", 3)
                    .transform(df(spark).withColumn("a", col("x")).withColumn("b", col("x"))))
        .withMessageContaining("a shape is declared for 'x', but the function's arguments are")
        .withMessageContaining("[a, b]")
        .withMessageContaining("shape(0, 3)");
  }

  @Test
  void columnOutputsCarryShapeMetadataSoASecondUdfReadsThem(SparkSession spark) {
    double[] w = W;
    VmapUdf scaled = vmapUdf((Tensor e) -> e.mul(Tensor.of(w))).shape(0, 3); // [3] -> [3]
    VmapUdf sum = vmapUdf((Tensor e) -> e.sum()); // no shape declared: read from the metadata
    Dataset<Row> withY = df(spark).withColumn("y", scaled.apply(col("x")));
    assertThat(withY.schema().apply("y").metadata().getLongArray(VmapUdf.SHAPE_METADATA_KEY))
        .containsExactly(3);
    assertThat(withY.schema().apply("y").metadata().getString(VmapUdf.DTYPE_METADATA_KEY))
        .isEqualTo("f64");
    Dataset<Row> out =
        withY
            .withColumn("s", sum.apply(col("y")))
            .withColumn("nested", sum.apply(scaled.apply(col("x"))))
            .select(col("id"), col("s"), col("nested"), scaled.apply(col("x")).as("again"));
    assertThat(out.schema().apply("again").metadata().getLongArray(VmapUdf.SHAPE_METADATA_KEY))
        .containsExactly(3);
    List<Row> rows = byId(out);
    for (int i = 0; i < N; i++) {
      assertThat(rows.get(i).getDouble(1)).isCloseTo(dot(i), Offset.offset(1e-12));
      assertThat(rows.get(i).getDouble(2)).isCloseTo(dot(i), Offset.offset(1e-12));
    }
  }

  @Test
  void sqlEvaluatesEachDistinctCallOncePerRow(SparkSession spark) {
    VmapSpark.register(spark, "score21", score().shape(0, 3));
    df(spark).createOrReplaceTempView("points21");
    Dataset<Row> high =
        spark.sql("SELECT id, score21(x) AS y FROM points21 WHERE score21(x) > 0.5");
    List<VmapEvalExec> evals = nodes(high, VmapEvalExec.class);
    assertThat(evals).hasSize(1);
    assertThat(evals.get(0).toString()).containsOnlyOnce("vmapUdf[");
    List<Long> expected = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      if (1 / (1 + Math.exp(-dot(i))) > 0.5) {
        expected.add((long) i);
      }
    }
    List<Row> rows = byId(high);
    assertThat(Frames.ids(rows)).isEqualTo(expected);
    for (Row r : rows) {
      assertThat(r.getDouble(1))
          .isCloseTo(1 / (1 + Math.exp(-dot((int) r.getLong(0)))), Offset.offset(1e-12));
    }
  }

  static Dataset<Row> parquet(SparkSession spark, Path dir) {
    StructType schema = Frames.ID_X.add("payload", DataTypes.StringType);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      rows.add(RowFactory.create((long) i, row(i), "payload of row " + i));
    }
    String path = dir.resolve("points.parquet").toString();
    spark.createDataFrame(rows, schema).repartition(2).write().parquet(path);
    return spark.read().parquet(path);
  }

  @Test
  void theColumnFormAndTransformReadOnlyTheColumnsTheyNeed(SparkSession spark, @TempDir Path dir)
      throws Exception {
    Dataset<Row> points = parquet(spark, dir);
    Dataset<Row> viaColumn = points.select(col("id"), score().shape(0, 3).apply(col("x")).as("s"));
    Dataset<Row> viaTransform =
        score().inputColumns("x").outputColumns("s").transform(points).select("id", "s");
    for (Dataset<Row> out : List.of(viaColumn, viaTransform)) {
      List<FileSourceScanExec> scans = nodes(out, FileSourceScanExec.class);
      assertThat(scans).hasSize(1);
      assertThat(scans.get(0).requiredSchema().fieldNames()).containsExactly("id", "x");
      assertThat(out.count()).isEqualTo(N);
    }
    assertThat(Files.exists(dir)).isTrue();
  }

  @Test
  void transformLetsFiltersGoBelowTheKernelAndKeepsRowsAndOrder(SparkSession spark) {
    VmapUdf udf = score().inputColumns("x").outputColumns("s");
    Dataset<Row> out = udf.transform(df(spark)).filter(col("id").lt(10));
    List<VmapEvalExec> evals = nodes(out, VmapEvalExec.class);
    assertThat(evals).hasSize(1);
    // the filter on id runs before the kernel: it is in the evaluation node's input
    List<FilterExec> below = new ArrayList<>();
    collect(evals.get(0).children().head(), FilterExec.class, below);
    assertThat(below).hasSize(1);
    assertThat(below.get(0).condition().sql()).contains("id").contains("10");
    assertThat(out.count()).isEqualTo(10);

    List<Row> all = udf.transform(df(spark)).collectAsList(); // no sort: transform keeps order
    assertThat(Frames.ids(all)).isEqualTo(Frames.range(N));
    for (int i = 0; i < N; i++) {
      assertThat(all.get(i).getDouble(2))
          .isCloseTo(1 / (1 + Math.exp(-dot(i))), Offset.offset(1e-12));
    }
  }
}
