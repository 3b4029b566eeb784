package org.vmap4j.spark;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.vmap4j.spark.VmapFunctions.vmapUdf;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.SparkPlan;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.vmap4j.Tensor;
import org.vmap4j.spark.catalyst.VmapEvalExec;
import org.vmap4j.spark.catalyst.VmapStrategy;

/** vmapUdf as a Column and in SQL, planned batched by {@link VmapStrategy}. */
@ExtendWith(SharedSpark.class)
class VmapColumnTest {
  private static final int N = 37;
  private static final int D = 5;
  private static Tensor x;

  /** A per-example score: a logistic model with fixed weights (captured as a double[]). */
  private static final double[] W = {0.5, -1.0, 0.25, 2.0, -0.75};

  private static VmapUdf score() {
    double[] w = W;
    return vmapUdf((Tensor e) -> e.mul(Tensor.of(w)).sum().sigmoid()).shape("x", D);
  }

  private static VmapUdf norm() {
    return vmapUdf((Tensor e) -> e.square().sum().sqrt()).shape("x", D);
  }

  @BeforeAll
  static void data(SparkSession spark) {
    VmapSpark.install(spark);
    Random r = new Random(7);
    double[] v = new double[N * D];
    for (int i = 0; i < v.length; i++) {
      v[i] = r.nextGaussian();
    }
    x = Tensor.of(v, N, D);
  }

  private static Dataset<Row> df(SparkSession spark) {
    return Frames.idX(spark, x, 3);
  }

  /** The score and norm of row i by plain loops. */
  private static double scoreOf(int i) {
    double s = 0;
    for (int d = 0; d < D; d++) {
      s += x.toDoubleArray()[i * D + d] * W[d];
    }
    return 1 / (1 + Math.exp(-s));
  }

  private static double normOf(int i) {
    double s = 0;
    for (int d = 0; d < D; d++) {
      double e = x.toDoubleArray()[i * D + d];
      s += e * e;
    }
    return Math.sqrt(s);
  }

  private static List<Row> byId(Dataset<Row> df) {
    List<Row> rows = new ArrayList<>(df.collectAsList());
    rows.sort(Comparator.comparingLong(r -> r.getLong(r.fieldIndex("id"))));
    return rows;
  }

  private static List<VmapEvalExec> evalNodes(Dataset<Row> df) {
    SparkPlan plan = df.queryExecution().executedPlan();
    List<VmapEvalExec> found = new ArrayList<>();
    collectEvalNodes(plan, found);
    return found;
  }

  private static void collectEvalNodes(SparkPlan p, List<VmapEvalExec> out) {
    if (p instanceof VmapEvalExec e) {
      out.add(e);
    }
    if (p instanceof org.apache.spark.sql.execution.adaptive.AdaptiveSparkPlanExec a) {
      collectEvalNodes(a.executedPlan(), out);
    }
    for (SparkPlan c : scala.jdk.javaapi.CollectionConverters.asJava(p.children())) {
      collectEvalNodes(c, out);
    }
  }

  @Test
  void withColumnGivesTransformsResultsThroughTheBatchedOperator(SparkSession spark) {
    Dataset<Row> viaColumn = df(spark).withColumn("score", score().apply(col("x")));
    Dataset<Row> viaTransform =
        score().inputColumns("x").outputColumns("score").transform(df(spark));
    DataFrameAssertions.assertDataFrameEquals(viaTransform, viaColumn, 0.0);
    List<Row> rows = byId(viaColumn);
    for (int i = 0; i < N; i++) {
      assertThat(rows.get(i).getDouble(2))
          .isCloseTo(scoreOf(i), org.assertj.core.data.Offset.offset(1e-12));
    }
    assertThat(evalNodes(viaColumn)).hasSize(1);
    Dataset<Row> data = df(spark);
    Dataset<Row> viaResolvedColumn = data.withColumn("score", score().apply(data.col("x")));
    DataFrameAssertions.assertDataFrameEquals(viaTransform, viaResolvedColumn, 0.0);
    assertThat(
            viaColumn
                .queryExecution()
                .explainString(org.apache.spark.sql.execution.ExplainMode.fromString("simple")))
        .contains("VmapEval");
  }

  @Test
  void severalCallsInOneSelectShareOnePassAndMixWithExpressions(SparkSession spark) {
    Dataset<Row> out =
        df(spark)
            .select(
                col("id"),
                score().apply(col("x")).multiply(2).plus(1).as("s"),
                norm().apply(col("x")).as("n"),
                col("id").multiply(10).as("ten"));
    List<VmapEvalExec> nodes = evalNodes(out);
    assertThat(nodes).hasSize(1);
    List<Row> rows = byId(out);
    assertThat(rows).hasSize(N);
    for (int i = 0; i < N; i++) {
      Row r = rows.get(i);
      assertThat(r.getDouble(1))
          .isCloseTo(2 * scoreOf(i) + 1, org.assertj.core.data.Offset.offset(1e-12));
      assertThat(r.getDouble(2)).isCloseTo(normOf(i), org.assertj.core.data.Offset.offset(1e-12));
      assertThat(r.getLong(3)).isEqualTo(10L * i);
    }
  }

  @Test
  void filtersBeforeAfterAndOnTheColumn(SparkSession spark) {
    Dataset<Row> out =
        df(spark)
            .where(col("id").geq(5))
            .withColumn("score", score().apply(col("x")))
            .where(col("score").gt(0.5))
            .where(norm().apply(col("x")).lt(2.5));
    List<Row> rows = byId(out);
    List<Long> expected = new ArrayList<>();
    for (int i = 5; i < N; i++) {
      if (scoreOf(i) > 0.5 && normOf(i) < 2.5) {
        expected.add((long) i);
      }
    }
    assertThat(expected).isNotEmpty();
    assertThat(Frames.ids(rows)).isEqualTo(expected);
    assertThat(out.columns()).containsExactly("id", "x", "score");
    // Catalyst combines the filters: both calls run in one pass, over the rows with id >= 5 only
    List<VmapEvalExec> nodes = evalNodes(out);
    assertThat(nodes).hasSize(1);
    assertThat(nodes.get(0).toString()).contains(">= 5)");
  }

  @Test
  void joinsAndAggregates(SparkSession spark) {
    Dataset<Row> labels = df(spark).select(col("id"), col("id").mod(3).as("group"));
    Dataset<Row> joined = df(spark).join(labels, "id").withColumn("score", score().apply(col("x")));
    List<Row> rows = byId(joined);
    assertThat(rows).hasSize(N);
    for (int i = 0; i < N; i++) {
      assertThat(rows.get(i).getDouble(rows.get(i).fieldIndex("score")))
          .isCloseTo(scoreOf(i), org.assertj.core.data.Offset.offset(1e-12));
    }
    Dataset<Row> averages =
        joined.groupBy("group").agg(avg(norm().apply(col("x"))).as("mean_norm")).orderBy("group");
    List<Row> means = averages.collectAsList();
    for (Row m : means) {
      int g = (int) m.getLong(0);
      double sum = 0;
      int count = 0;
      for (int i = 0; i < N; i++) {
        if (i % 3 == g) {
          sum += normOf(i);
          count++;
        }
      }
      assertThat(m.getDouble(1)).isCloseTo(sum / count, org.assertj.core.data.Offset.offset(1e-12));
    }
    assertThat(means).hasSize(3);
  }

  @Test
  void severalOutputsMakeAStructAndExpressionsCanBeArguments(SparkSession spark) {
    VmapUdf both =
        vmapUdf((Tensor e) -> java.util.Map.of("total", e.sum(), "scaled", e.mul(2.0)))
            .shape("x", D);
    Dataset<Row> out = df(spark).select(col("id"), both.apply(col("x")).as("r"));
    assertThat(out.schema().apply("r").dataType().simpleString())
        .isEqualTo("struct<scaled:array<double>,total:double>");
    Dataset<Row> flat = out.select(col("id"), col("r.total"), col("r.scaled"));
    List<Row> rows = byId(flat);
    double[] v = x.toDoubleArray();
    for (int i = 0; i < N; i++) {
      double total = 0;
      for (int d = 0; d < D; d++) {
        total += v[i * D + d];
        assertThat(rows.get(i).getList(2).get(d)).isEqualTo(2.0 * v[i * D + d]);
      }
      assertThat(rows.get(i).getDouble(1))
          .isCloseTo(total, org.assertj.core.data.Offset.offset(1e-12));
    }
    // an argument computed by an expression (named arg0), and a call over another call's result
    VmapUdf plusOne = vmapUdf((Tensor s) -> s.add(1.0));
    Dataset<Row> nested =
        df(spark)
            .select(
                col("id"),
                plusOne.apply(norm().apply(col("x"))).as("p"),
                plusOne.apply(col("id").multiply(2).cast("double")).as("q"));
    List<Row> nrows = byId(nested);
    for (int i = 0; i < N; i++) {
      assertThat(nrows.get(i).getDouble(1))
          .isCloseTo(normOf(i) + 1, org.assertj.core.data.Offset.offset(1e-12));
      assertThat(nrows.get(i).getDouble(2)).isEqualTo(2.0 * i + 1);
    }
  }

  @Test
  void sqlRegistration(SparkSession spark) {
    VmapSpark.register(spark, "vmap_score", score());
    df(spark).createOrReplaceTempView("vmap_points");
    Dataset<Row> out =
        spark.sql(
            "SELECT id, vmap_score(x) AS s FROM vmap_points WHERE vmap_score(x) > 0.3 AND id < 30");
    List<Row> rows = byId(out);
    List<Long> expected = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      if (scoreOf(i) > 0.3) {
        expected.add((long) i);
      }
    }
    assertThat(Frames.ids(rows)).isEqualTo(expected);
    for (Row r : rows) {
      assertThat(r.getDouble(1))
          .isCloseTo(scoreOf((int) r.getLong(0)), org.assertj.core.data.Offset.offset(1e-12));
    }
    assertThat(evalNodes(out)).isNotEmpty();
  }

  @Test
  void withoutThePlannerTheColumnSaysHowToEnableIt(SparkSession spark) {
    SparkSession fresh = spark.newSession();
    assertThat(VmapSpark.isInstalled(fresh)).isFalse();
    Dataset<Row> data = Frames.idX(fresh, x, 1);
    assertThatThrownBy(
            () -> {
              SparkSession.setActiveSession(fresh);
              try {
                data.withColumn("score", score().apply(col("x"))).collectAsList();
              } finally {
                SparkSession.setActiveSession(spark);
              }
            })
        .hasMessageContaining("spark.sql.extensions=org.vmap4j.spark.VmapSparkExtensions")
        .hasMessageContaining("VmapSpark.install");
  }

  @Test
  void anArrayArgumentWithoutAShapeIsAnErrorNamingIt(SparkSession spark) {
    VmapUdf unshaped = vmapUdf((Tensor e) -> e.sum());
    assertThatThrownBy(() -> df(spark).withColumn("s", unshaped.apply(col("x"))))
        .hasMessageContaining("[x]")
        .hasMessageContaining("shape(column, dims...)");
    assertThat(lit(1)).isNotNull();
  }
}
