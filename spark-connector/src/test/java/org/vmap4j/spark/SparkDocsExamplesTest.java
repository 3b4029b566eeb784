package org.vmap4j.spark;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.randn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.vmap4j.spark.VmapFunctions.vmapUdf;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.vmap4j.DType;
import org.vmap4j.Randomness;
import org.vmap4j.Tensor;

/** The snippets of docs/spark.md, as written there. */
@ExtendWith(SharedSpark.class)
class SparkDocsExamplesTest {
  record Params(Tensor w, Tensor b) {}

  @Test
  void quickStart(SparkSession spark) {
    Dataset<Row> df = Frames.idX(spark, Tensor.randomNormal(1, DType.F64, 10, 3), 2);

    Dataset<Row> out =
        vmapUdf((Tensor w, Tensor x) -> x.dot(w).tanh()) // written for one example
            .constants(
                Tensor.of(new double[] {0.5, -1, 2})) // unmapped: broadcast once per executor
            .inputColumns("x")
            .outputColumns("score")
            .transform(df); // id, x, score: same rows, same order

    assertThat(out.schema().fieldNames()).containsExactly("id", "x", "score");
    assertThat(out.count()).isEqualTo(10);
  }

  @Test
  void columnsAndSql(SparkSession spark) {
    Dataset<Row> df = Frames.idX(spark, Tensor.randomNormal(3, DType.F64, 10, 3), 2);

    VmapSpark.install(spark);

    double[] w = {0.5, -1, 2}; // captured: serializable
    VmapUdf score = vmapUdf((Tensor x) -> x.dot(Tensor.of(w)).sigmoid()).shape("x", 3);
    Dataset<Row> scored = df.withColumn("score", score.apply(col("x")));
    scored.explain(); // ... +- VmapEval [vmapUdf[x]([x#1])], [output#7] ...

    VmapSpark.register(spark, "score", score);
    df.createOrReplaceTempView("points");
    Dataset<Row> high = spark.sql("SELECT id, score(x) AS s FROM points WHERE score(x) > 0.5");

    assertThat(scored.queryExecution().executedPlan().toString()).contains("VmapEval");
    List<Row> all = scored.collectAsList();
    long expected = all.stream().filter(r -> r.getDouble(r.fieldIndex("score")) > 0.5).count();
    assertThat(high.count()).isEqualTo(expected);
  }

  @Test
  void perSampleGradientsAndJacobians(SparkSession spark) {
    StructType schema =
        new StructType()
            .add("features", DataTypes.createArrayType(DataTypes.DoubleType))
            .add("label", DataTypes.DoubleType)
            .add("x", DataTypes.createArrayType(DataTypes.DoubleType));
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      rows.add(RowFactory.create(new double[] {i, 1, -i}, (double) (i % 2), new double[] {i, 2}));
    }
    Dataset<Row> df = Frames.frame(spark, rows, schema, 2);
    Params params = new Params(Tensor.of(new double[] {0.1, 0.2, 0.3}), Tensor.scalar(0.0));

    SerializableBiFunction<Params, Map<String, Tensor>, Tensor> loss =
        (p, row) -> {
          Tensor z = row.get("features").dot(p.w()).add(p.b());
          // softplus(z) - y z, softplus(z) = log(e^0 + e^z) as a logSumExp: smooth and stable
          return Tensor.stack(0, z.mul(0), z).logSumExp(0).sub(row.get("label").mul(z));
        };
    Dataset<Row> grads =
        PerSampleGradients.of(loss, params) // params: a Params, broadcast once per executor
            .inputColumns("features", "label")
            .withNorm("grad_norm") // each row's L2 norm over all leaves
            .transform(df); // ..., grad_w, grad_b, grad_norm

    Dataset<Row> jac =
        Jacobians.of((Tensor v) -> v.sin().mul(v.sum())) // [n] -> [n]
            .inputColumn("x")
            .transform(df); // ..., jacobian: array<array<double>> [n, n]

    assertThat(grads.schema().fieldNames())
        .containsExactly("features", "label", "x", "grad_w", "grad_b", "grad_norm");
    assertThat(jac.schema().apply("jacobian").dataType().simpleString())
        .isEqualTo("array<array<double>>");
    assertThat(grads.count()).isEqualTo(8);
    assertThat(jac.count()).isEqualTo(8);
  }

  @Test
  void composedColumns(SparkSession spark) {
    Dataset<Row> df = Frames.idX(spark, Tensor.randomNormal(5, DType.F64, 10, 3), 2);
    VmapSpark.install(spark);

    VmapUdf scaled = vmapUdf((Tensor v) -> v.mul(2)).shape(0, 3); // argument 0 is [3], any column
    VmapUdf total = vmapUdf((Tensor v) -> v.sum()); // no shape: read from metadata
    Dataset<Row> composed =
        df.withColumnRenamed("x", "features")
            .withColumn("y", scaled.apply(col("features"))) // y carries vmap4j.shape [3]
            .withColumn("s", total.apply(col("y")))
            .withColumn("t", total.apply(scaled.apply(col("features")))); // nested calls too

    for (Row r : composed.collectAsList()) {
      double expected = 0;
      for (Object e : r.getList(r.fieldIndex("features"))) {
        expected += 2 * (Double) e;
      }
      assertThat(r.getDouble(r.fieldIndex("s"))).isCloseTo(expected, within(1e-12));
      assertThat(r.getDouble(r.fieldIndex("t"))).isCloseTo(expected, within(1e-12));
    }
  }

  @Test
  void perRowRandomnessFromCoresPrimitives(SparkSession spark) {
    Dataset<Row> df = Frames.idX(spark, Tensor.randomNormal(8, DType.F64, 20, 3), 2);

    Dataset<Row> dropped =
        vmapUdf(
                (Tensor x) ->
                    x.mul(Tensor.randomUniform(7, DType.F64, 3).ge(0.5).astype(DType.F64))
                        .mul(2)) // dropout
            .inputColumns("x")
            .shape("x", 3)
            .randomness(Randomness.DIFFERENT) // default ERROR: a random primitive is refused
            .seed(2026)
            .transform(df);

    List<Row> first = dropped.collectAsList();
    assertThat(dropped.collectAsList()).isEqualTo(first);
    int kept = 0;
    for (Row r : first) {
      List<Double> x = r.getList(r.fieldIndex("x"));
      List<Double> y = r.getList(r.fieldIndex("output"));
      for (int i = 0; i < 3; i++) {
        boolean keptHere = y.get(i) != 0;
        assertThat(y.get(i)).isEqualTo(keptHere ? 2 * x.get(i) : 0.0);
        kept += keptHere ? 1 : 0;
      }
    }
    assertThat(kept).isBetween(10, 50); // about half of 60 elements kept: the rows differ
  }

  @Test
  void perRowRandomness(SparkSession spark) {
    Dataset<Row> df = Frames.idX(spark, Tensor.randomNormal(6, DType.F64, 10, 3), 2);
    VmapSpark.install(spark);

    Dataset<Row> noisy =
        df.withColumn("noise", array(randn(11), randn(12), randn(13))) // per row, reproducible
            .withColumn(
                "y",
                vmapUdf((Tensor x, Tensor e) -> x.add(e.mul(0.1)))
                    .shape(0, 3)
                    .shape(1, 3)
                    .apply(col("x"), col("noise")));

    List<Row> first = noisy.collectAsList();
    assertThat(noisy.collectAsList()).isEqualTo(first);
    for (Row r : first) {
      List<Double> x = r.getList(r.fieldIndex("x"));
      List<Double> e = r.getList(r.fieldIndex("noise"));
      List<Double> y = r.getList(r.fieldIndex("y"));
      for (int i = 0; i < 3; i++) {
        assertThat(y.get(i)).isCloseTo(x.get(i) + 0.1 * e.get(i), within(1e-12));
      }
    }
    assertThat(first.stream().map(r -> r.getList(r.fieldIndex("noise"))).distinct().count())
        .isEqualTo(10);
  }
}
