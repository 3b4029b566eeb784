package org.vmap4j.it;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.vmap4j.spark.connect.client.VmapFunctions.vmapUdf;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.BiFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vmap4j.DType;
import org.vmap4j.Tensor;
import org.vmap4j.spark.connect.client.Jacobians;
import org.vmap4j.spark.connect.client.PerSampleGradients;
import org.vmap4j.spark.connect.client.VmapFunctions;
import org.vmap4j.spark.connect.client.VmapUdf;

/**
 * A remote Spark Connect client against a Spark Connect server with vmap4j's plugins ({@link
 * ConnectServer}: Spark's {@code SparkConnectServer} through {@code SparkSubmit} in a forked JVM on
 * the loopback, the connector's -all jar via {@code --jars}), compared with the classic connector
 * ({@link ClassicReference}, another forked JVM) over the same rows: results equal at F64 1e-12,
 * the same columns, the same bad-input message, empty DataFrames; and with plain loops.
 *
 * <p>This test's JVM is the client: vmap4j's client module, core and {@code
 * spark-connect-client-jvm}; the pom keeps Spark's server side (the provided scope) off it.
 */
class SparkConnectTest {
  private static final double TOL = 1e-12;
  private static final int ROWS = ConnectFixtures.ROWS;

  private static ConnectServer server;
  private static SparkSession remote;
  private static Properties classic;

  @BeforeAll
  static void start() throws Exception {
    classic = classicResults();
    server = ConnectServer.start("spark-connect-server");
    remote = org.apache.spark.sql.connect.SparkSession.builder().remote(server.url()).create();
  }

  @AfterAll
  static void stop() throws Exception {
    if (remote != null) {
      remote.close();
    }
    if (server != null) {
      server.close();
    }
  }

  /** Runs {@link ClassicReference} in its own JVM, as spark-submit would, and reads its results. */
  private static Properties classicResults() throws Exception {
    Path file = Environment.workDir().resolve("classic-reference.properties");
    Path testClasses =
        Path.of(SparkConnectTest.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    List<String> command = new ArrayList<>();
    command.add(Environment.javaExecutable().toString());
    command.addAll(Environment.sparkJvmOptions());
    command.addAll(
        List.of(
            "-Xmx1500m",
            "-cp",
            Environment.joined(Environment.sparkClasspath())
                + java.io.File.pathSeparator
                + Environment.connectorJar()
                + java.io.File.pathSeparator
                + testClasses,
            ClassicReference.class.getName(),
            file.toString()));
    Command.Result result = Command.named("spark-connect-classic-reference").args(command).run(300);
    assertThat(result.exitCode()).as(result.describe()).isZero();
    Properties p = new Properties();
    try (InputStream in = Files.newInputStream(file)) {
      p.load(in);
    }
    return p;
  }

  private static Dataset<Row> data(int n, boolean withNull) {
    return remote.createDataFrame(ConnectFixtures.rows(n, withNull), ConnectFixtures.SCHEMA);
  }

  @Test
  void vmapUdfColumnsMatchClassic() {
    VmapUdf score = VmapFunctions.vmapUdf((Tensor x) -> ConnectFixtures.score(x)).shape("x", 3);
    VmapUdf weighted =
        VmapFunctions.vmapUdf((Tensor w, Tensor x) -> ConnectFixtures.weighted(w, x))
            .constants(ConnectFixtures.weights())
            .shape(0, 3);
    Dataset<Row> df =
        data(ROWS, false)
            .withColumn("s", score.apply(col("x")))
            .withColumn("c", weighted.apply(col("x")))
            .select("id", "s", "c");
    List<Row> rows = assertMatchesClassic("columns", df);
    // and against a plain loop, so that "the same" is not "the same wrong"
    double[] w = ConnectFixtures.W;
    for (Row r : rows) {
      double[] x = ConnectFixtures.x((int) r.getLong(0));
      assertThat(r.getDouble(1))
          .isCloseTo(Math.tanh(x[0] * w[0] + x[1] * w[1] + x[2] * w[2]), within());
      double max = Math.max(x[0], Math.max(x[1], x[2]));
      assertThat(r.getDouble(2)).isCloseTo(x[0] + 2 * x[1] + 3 * x[2] + max, within());
    }
  }

  @Test
  void sqlFunctionMatchesClassic() {
    VmapFunctions.vmapUdf((Tensor x) -> ConnectFixtures.score(x))
        .inputColumns("x")
        .shape("x", 3)
        .register(remote, "score");
    data(ROWS, false).createOrReplaceTempView("points");
    List<Row> rows = assertMatchesClassic("sql", remote.sql(ConnectFixtures.SQL));
    assertThat(rows).isNotEmpty().hasSizeLessThan(ROWS);
    assertThat(rows).allSatisfy(r -> assertThat(r.getDouble(1)).isGreaterThan(0.2));
  }

  @Test
  void perSampleGradientsWithNormAndClipMatchClassic() {
    Dataset<Row> r =
        PerSampleGradients.of(ConnectFixtures::loss, ConnectFixtures.params())
            .inputColumns("x", "label")
            .shape("x", 3)
            .withNorm("grad_norm")
            .clipNorm(ConnectFixtures.CLIP)
            .transform(data(ROWS, false));
    assertThat(String.join(",", r.columns()))
        .isEqualTo(classic.getProperty("gradients.transformColumns"))
        .isEqualTo("id,x,label,grad_w,grad_b,grad_norm");
    List<Row> rows = assertMatchesClassic("gradients", r.drop("x", "label"));
    // clipping happened: some norms above the bound, every clipped gradient within it
    assertThat(rows).anySatisfy(row -> assertThat(row.getDouble(3)).isGreaterThan(0.5));
    for (Row row : rows) {
      List<Double> gw = row.getList(1);
      double gb = row.getDouble(2);
      double norm =
          Math.sqrt(
              gw.get(0) * gw.get(0) + gw.get(1) * gw.get(1) + gw.get(2) * gw.get(2) + gb * gb);
      assertThat(norm).isLessThanOrEqualTo(ConnectFixtures.CLIP + 1e-12);
    }
  }

  @Test
  void jacobiansMatchClassic() {
    Dataset<Row> df =
        Jacobians.of((Tensor v) -> ConnectFixtures.field(v))
            .inputColumn("x")
            .shape(3)
            .transform(data(ROWS, false))
            .select("id", "jacobian");
    List<Row> rows = assertMatchesClassic("jacobians", df);
    // d/dx_j (sin(x_i) sum(x)) = delta_ij cos(x_i) sum(x) + sin(x_i)
    for (Row r : rows.subList(0, 5)) {
      double[] x = ConnectFixtures.x((int) r.getLong(0));
      double s = x[0] + x[1] + x[2];
      String[] jac = ConnectFixtures.numbers(r).split(" "); // row-major [3, 3]
      for (int i = 0; i < 3; i++) {
        for (int j = 0; j < 3; j++) {
          double want = (i == j ? Math.cos(x[i]) * s : 0) + Math.sin(x[i]);
          assertThat(Double.parseDouble(jac[3 * i + j])).isCloseTo(want, within());
        }
      }
    }
  }

  @Test
  void badInputErrorReachesTheClientIntact() {
    String expected = classic.getProperty("bad.message");
    assertThat(expected).as("the classic error").contains("'x'").contains("null");
    VmapUdf score = VmapFunctions.vmapUdf((Tensor x) -> ConnectFixtures.score(x)).shape("x", 3);
    assertThatThrownBy(
            () -> data(ROWS, true).withColumn("s", score.apply(col("x"))).collectAsList())
        .satisfies(e -> assertThat(allMessages(e)).contains(firstLine(expected)));
  }

  @Test
  void dtypeMismatchIsNamedOnTheClient() {
    Dataset<Row> floats = data(5, false).withColumn("x", col("x").cast("array<float>"));
    VmapUdf sum = VmapFunctions.vmapUdf((Tensor x) -> x.sum()).shape(0, 3);
    assertThatThrownBy(() -> floats.withColumn("s", sum.apply(col("x"))).collectAsList())
        .satisfies(
            e ->
                assertThat(allMessages(e))
                    .contains("argument 'x' is f32[3]")
                    .contains("traced the function at f64[3]")
                    .contains("dtype(0, DType.F32)"));
    // declared, it runs
    List<Row> ok = floats.withColumn("s", sum.dtype(0, DType.F32).apply(col("x"))).collectAsList();
    assertThat(ok).hasSize(5);
  }

  @Test
  void undeclaredArrayShapeIsNamedWithTheFix() {
    // x undeclared: traced as a scalar, and the classic connector rejects its arrays
    VmapUdf sum = VmapFunctions.vmapUdf((Tensor x) -> x.sum());
    assertThatThrownBy(() -> data(5, false).withColumn("s", sum.apply(col("x"))).collectAsList())
        .satisfies(
            e ->
                assertThat(allMessages(e))
                    .contains("column 'x'")
                    .contains("array of 3 elements; expected a per-example shape of []"));
  }

  @Test
  void emptyDataFramesGiveEmptyResultsWithTheClassicSchema() {
    Dataset<Row> r =
        PerSampleGradients.of(ConnectFixtures::loss, ConnectFixtures.params())
            .inputColumns("x", "label")
            .shape("x", 3)
            .withNorm("grad_norm")
            .transform(data(0, false));
    assertThat(r.collectAsList()).isEmpty();
    assertThat(r.schema().simpleString()).isEqualTo(classic.getProperty("empty.schema"));
  }

  /** The snippets of docs/spark-connect.md, as written there (the server on this test's port). */
  @Test
  void docsSnippets() {
    SparkSession spark = SparkSession.builder().remote(server.url()).getOrCreate();
    Dataset<Row> df =
        spark
            .createDataFrame(ConnectFixtures.rows(ROWS, false), ConnectFixtures.SCHEMA)
            .drop("label");

    // df: id bigint, x array<double> (3 per row)
    double[] w = {0.5, -1, 2};
    VmapUdf score = vmapUdf((Tensor x) -> x.dot(Tensor.of(w)).sigmoid()).shape("x", 3);
    Dataset<Row> scored = df.withColumn("score", score.apply(col("x")));

    score.inputColumns("x").register(spark, "score"); // a SQL function of this session
    df.createOrReplaceTempView("points");
    Dataset<Row> high = spark.sql("SELECT id, score(x) AS s FROM points WHERE score(x) > 0.5");

    assertThat(scored.columns()).containsExactly("id", "x", "score");
    List<Row> highRows = high.collectAsList();
    long expected =
        java.util.stream.IntStream.range(0, ROWS)
            .mapToObj(ConnectFixtures::x)
            .filter(x -> 1 / (1 + Math.exp(-(x[0] * w[0] + x[1] * w[1] + x[2] * w[2]))) > 0.5)
            .count();
    assertThat(highRows).hasSize((int) expected).isNotEmpty();

    Dataset<Row> data = data(ROWS, false).withColumnRenamed("x", "features");
    {
      Dataset<Row> dfFeatures = data;
      Params params = new Params(Tensor.of(new double[] {0.3, -0.2, 0.7}), Tensor.scalar(0.1));
      df = dfFeatures;
      BiFunction<Params, Map<String, Tensor>, Tensor> loss =
          (p, row) -> {
            Tensor z = row.get("features").dot(p.w()).add(p.b());
            return Tensor.stack(0, z.mul(0), z).logSumExp(0).sub(row.get("label").mul(z));
          };
      Dataset<Row> grads =
          PerSampleGradients.of(loss, params)
              .inputColumns("features", "label")
              .shape("features", 3) // label: a scalar, needs no shape
              .withNorm("grad_norm")
              .clipNorm(1.0)
              .transform(df); // ..., grad_w, grad_b, grad_norm
      assertThat(grads.columns())
          .containsExactly("id", "features", "label", "grad_w", "grad_b", "grad_norm");
      assertThat(grads.count()).isEqualTo(ROWS);
    }

    df = data(ROWS, false);
    Dataset<Row> jac =
        Jacobians.of((Tensor v) -> v.sin().mul(v.sum()))
            .inputColumn("x")
            .shape(3)
            .transform(df); // ..., jacobian: array<array<double>> [3, 3]
    assertThat(jac.schema().apply("jacobian").dataType().simpleString())
        .isEqualTo("array<array<double>>");
  }

  record Params(Tensor w, Tensor b) {}

  // ---- helpers ----

  /** The remote rows equal the classic ones: same columns, same ids, numbers within 1e-12. */
  private static List<Row> assertMatchesClassic(String name, Dataset<Row> df) {
    assertThat(String.join(",", df.columns())).isEqualTo(classic.getProperty(name + ".columns"));
    List<Row> rows = new ArrayList<>(df.collectAsList());
    rows.sort((a, b) -> Long.compare(a.getLong(0), b.getLong(0)));
    assertThat(rows).hasSize(Integer.parseInt(classic.getProperty(name + ".count")));
    for (Row r : rows) {
      String want = classic.getProperty(name + "." + r.getLong(0));
      assertThat(want).as(name + " row id " + r.getLong(0) + " in the classic result").isNotNull();
      String[] w = want.split(" ");
      String[] g = ConnectFixtures.numbers(r).split(" ");
      assertThat(g).as(name + " row " + r.getLong(0)).hasSameSizeAs(w);
      for (int i = 0; i < w.length; i++) {
        assertThat(Double.parseDouble(g[i]))
            .as(name + " row " + r.getLong(0) + " number " + i)
            .isCloseTo(Double.parseDouble(w[i]), within());
      }
    }
    return rows;
  }

  private static org.assertj.core.data.Offset<Double> within() {
    return org.assertj.core.data.Offset.offset(TOL);
  }

  private static String allMessages(Throwable e) {
    StringBuilder s = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      s.append(t.getClass().getName()).append(": ").append(t.getMessage()).append('\n');
    }
    return s.toString();
  }

  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
