package org.vmap4j.it;

import static org.apache.spark.sql.functions.col;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.vmap4j.Tensor;
import org.vmap4j.spark.Jacobians;
import org.vmap4j.spark.PerSampleGradients;
import org.vmap4j.spark.VmapFunctions;
import org.vmap4j.spark.VmapSpark;
import org.vmap4j.spark.VmapUdf;

/**
 * The classic side of {@link SparkConnectTest}: the same computations with the classic connector on
 * a classic local[2] session, run in its own JVM (Spark's classpath and the connector's -all jar:
 * classic Spark and the Connect client cannot share a JVM, their copies of Spark's API classes
 * differ). Writes each result as a properties file: {@code <case>.<id>} = the row's numbers, {@code
 * <case>.columns}, {@code <case>.message}.
 */
public final class ClassicReference {
  private ClassicReference() {}

  public static void main(String[] args) throws Exception {
    SparkSession spark =
        SparkSession.builder()
            .master("local[2]")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.extensions", "org.vmap4j.spark.VmapSparkExtensions")
            .getOrCreate();
    Properties out = new Properties();
    Dataset<Row> df =
        spark.createDataFrame(
            ConnectFixtures.rows(ConnectFixtures.ROWS, false), ConnectFixtures.SCHEMA);

    VmapUdf score = VmapFunctions.vmapUdf((Tensor x) -> ConnectFixtures.score(x)).shape("x", 3);
    VmapUdf weighted =
        VmapFunctions.vmapUdf((Tensor w, Tensor x) -> ConnectFixtures.weighted(w, x))
            .constants(ConnectFixtures.weights())
            .shape(0, 3);
    put(
        out,
        "columns",
        df.withColumn("s", score.apply(col("x")))
            .withColumn("c", weighted.apply(col("x")))
            .select("id", "s", "c"));

    VmapSpark.register(spark, "score", score);
    df.createOrReplaceTempView("points");
    put(out, "sql", spark.sql(ConnectFixtures.SQL));

    Dataset<Row> gradients =
        PerSampleGradients.of(ConnectFixtures::loss, ConnectFixtures.params())
            .inputColumns("x", "label")
            .withNorm("grad_norm")
            .clipNorm(ConnectFixtures.CLIP)
            .configure(u -> u.shape("x", 3))
            .transform(df);
    out.setProperty("gradients.transformColumns", String.join(",", gradients.columns()));
    put(out, "gradients", gradients.drop("x", "label"));

    put(
        out,
        "jacobians",
        Jacobians.of((Tensor v) -> ConnectFixtures.field(v))
            .inputColumn("x")
            .configure(u -> u.shape("x", 3))
            .transform(df)
            .select("id", "jacobian"));

    Dataset<Row> empty =
        spark.createDataFrame(ConnectFixtures.rows(0, false), ConnectFixtures.SCHEMA);
    out.setProperty(
        "empty.schema",
        PerSampleGradients.of(ConnectFixtures::loss, ConnectFixtures.params())
            .inputColumns("x", "label")
            .withNorm("grad_norm")
            .configure(u -> u.shape("x", 3))
            .transform(empty)
            .schema()
            .simpleString());

    Dataset<Row> withNull =
        spark.createDataFrame(
            ConnectFixtures.rows(ConnectFixtures.ROWS, true), ConnectFixtures.SCHEMA);
    try {
      withNull.withColumn("s", score.apply(col("x"))).collectAsList();
      out.setProperty("bad.message", "(no error)");
    } catch (Exception e) {
      out.setProperty("bad.message", badInputMessage(e));
    }

    try (OutputStream file = Files.newOutputStream(Path.of(args[0]))) {
      out.store(file, "classic connector results for SparkConnectTest");
    }
    spark.stop();
  }

  private static void put(Properties out, String name, Dataset<Row> df) {
    out.setProperty(name + ".columns", String.join(",", df.columns()));
    List<Row> rows = df.collectAsList();
    out.setProperty(name + ".count", Integer.toString(rows.size()));
    for (Row r : rows) {
      out.setProperty(name + "." + r.getLong(0), ConnectFixtures.numbers(r));
    }
  }

  private static String badInputMessage(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t.getClass().getSimpleName().equals("BadInputException")) {
        return t.getMessage();
      }
    }
    return "(no BadInputException) " + e;
  }
}
