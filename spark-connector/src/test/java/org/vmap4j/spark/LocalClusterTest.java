package org.vmap4j.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.apache.spark.TaskContext;
import org.apache.spark.TaskFailedReason;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vmap4j.DType;
import org.vmap4j.Func;
import org.vmap4j.InDims;
import org.vmap4j.Tensor;

/**
 * A real multi-process cluster: {@code local-cluster[2,1,1024]} runs a standalone master, two
 * workers and one executor JVM per worker. Runs in its own surefire execution (its own JVM: a JVM
 * holds one SparkContext, and the other tests share a local[2] one), with {@code SPARK_HOME}
 * pointing at {@code target/spark-home} and {@code SPARK_SCALA_VERSION=2.13} (see the pom).
 *
 * <p>Spark's worker builds the executors' classpath from {@code $SPARK_HOME/jars/*} when {@code
 * $SPARK_HOME/RELEASE} exists; this test fills {@code jars/} with links to every jar of the test
 * classpath and jars of this module's {@code target/classes} and {@code target/test-classes} (the
 * executors need the test's lambdas and records too).
 */
class LocalClusterTest {
  private static SparkSession spark;

  @BeforeAll
  static void startCluster() throws IOException {
    String home = System.getenv("SPARK_HOME");
    assertThat(home).as("SPARK_HOME, set by surefire's environmentVariables").isNotNull();
    prepareSparkHome(Path.of(home));
    spark =
        SparkSession.builder()
            .master("local-cluster[2,1,1024]")
            .appName("vmap4j-local-cluster")
            .config("spark.ui.enabled", "false")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
            .config(
                "spark.kryo.registrator",
                VmapKryoRegistrator.class.getName() + "," + TestDataKryoRegistrator.class.getName())
            .config("spark.kryo.registrationRequired", "true")
            .config("spark.task.maxFailures", "4")
            .config("spark.sql.extensions", VmapSparkExtensions.class.getName())
            .getOrCreate();
    awaitExecutors(2);
  }

  /**
   * Waits until {@code n} executors have registered with the driver, polling for at most 300 times
   * 200 ms (the test that follows asserts on the executors, not on any time).
   */
  static void awaitExecutors(int n) {
    for (int polls = 0;
        polls < 300 && spark.sparkContext().getExecutorMemoryStatus().size() < n + 1;
        polls++) {
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  @AfterAll
  static void stopCluster() {
    if (spark != null) {
      spark.stop();
    }
  }

  /** jars/ with every classpath jar (linked) and this module's class folders (jarred), RELEASE. */
  static void prepareSparkHome(Path home) throws IOException {
    Path jars = home.resolve("jars");
    if (Files.exists(home)) {
      deleteTree(home);
    }
    Files.createDirectories(jars);
    Files.writeString(
        home.resolve("RELEASE"), "Spark 4.2.0 (linked from the vmap4j test classpath)\n");
    int n = 0;
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      Path p = Path.of(entry).toAbsolutePath();
      n++;
      if (Files.isDirectory(p)) {
        jarFolder(p, jars.resolve(String.format("%03d-%s.jar", n, p.getFileName())));
      } else if (p.toString().endsWith(".jar") && Files.exists(p)) {
        Path link = jars.resolve(String.format("%03d-%s", n, p.getFileName()));
        Files.createSymbolicLink(link, p);
      }
    }
  }

  private static void jarFolder(Path folder, Path jar) throws IOException {
    try (OutputStream out = Files.newOutputStream(jar);
        JarOutputStream j = new JarOutputStream(out);
        Stream<Path> files = Files.walk(folder)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        if (Files.isRegularFile(f)) {
          j.putNextEntry(
              new JarEntry(folder.relativize(f).toString().replace(File.separatorChar, '/')));
          Files.copy(f, j);
          j.closeEntry();
        }
      }
    }
  }

  private static void deleteTree(Path root) throws IOException {
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Files.delete(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
            Files.delete(dir);
            return FileVisitResult.CONTINUE;
          }
        });
  }

  /**
   * The job under test; with {@code dieOnce}, the executor JVM running partition 1's first attempt
   * halts while reading that partition's rows, in the same task as the vmapUdf (a narrow
   * dependency), so the job loses an executor mid-way. (The fault is in the data source, not in the
   * loss: the loss is traced into a program on the driver, so its Java code does not run on
   * executors.)
   */
  static Dataset<Row> gradients(boolean dieOnce) {
    Dataset<Row> data = PerSampleGradientsTest.data(spark);
    if (dieOnce) {
      org.apache.spark.api.java.JavaRDD<Row> rows =
          data.javaRDD()
              .mapPartitionsWithIndex(
                  (index, it) -> {
                    TaskContext task = TaskContext.get();
                    if (index == 1 && task.attemptNumber() == 0) {
                      Runtime.getRuntime().halt(17); // as abrupt as kill -9: no shutdown hooks
                    }
                    return it;
                  },
                  true);
      data = spark.createDataFrame(rows, data.schema());
    }
    SerializableBiFunction<PerSampleGradientsTest.Params, Map<String, Tensor>, Tensor> loss =
        PerSampleGradientsTest::loss;
    return PerSampleGradients.of(loss, PerSampleGradientsTest.params())
        .inputColumns("features", "label")
        .withNorm("norm")
        .configure(u -> u.batchSize(8))
        .transform(data);
  }

  @Test
  void perSampleGradientsOnTwoExecutorJvmsWithKryoRegistrationRequired() throws Exception {
    assertThat(spark.sparkContext().master()).isEqualTo("local-cluster[2,1,1024]");
    awaitExecutors(2);
    List<String> executors = new ArrayList<>();
    SparkListener listener =
        new SparkListener() {
          @Override
          public void onTaskEnd(SparkListenerTaskEnd event) {
            synchronized (executors) {
              executors.add(event.taskInfo().executorId());
            }
          }
        };
    spark.sparkContext().addSparkListener(listener);
    List<Row> rows;
    try {
      rows = gradients(false).collectAsList();
      spark.sparkContext().listenerBus().waitUntilEmpty(30_000);
    } finally {
      spark.sparkContext().removeSparkListener(listener);
    }

    assertThat(Frames.ids(rows)).isEqualTo(Frames.range(PerSampleGradientsTest.N));
    PerSampleGradientsTest.Params e =
        Func.vmap(Func.grad(PerSampleGradientsTest::loss), InDims.of(null, 0))
            .apply(
                PerSampleGradientsTest.params(),
                Map.of(
                    "features", Frames.f64(rows, "features"), "label", Frames.f64(rows, "label")));
    assertThat(Frames.f64(rows, "grad_w").allClose(e.w(), 0, 1e-9)).isTrue();
    assertThat(Frames.f64(rows, "grad_b").allClose(e.b(), 0, 1e-9)).isTrue();
    // the tasks ran in executor JVMs, not in the driver
    assertThat(executors).isNotEmpty().doesNotContain("driver");
  }

  @Test
  void theSessionExtensionPlansColumnsAndSqlOnExecutorJvms() {
    awaitExecutors(2);
    assertThat(VmapSpark.isInstalled(spark)).isTrue();
    Dataset<Row> data = PerSampleGradientsTest.data(spark);
    VmapUdf norm =
        VmapFunctions.vmapUdf((Tensor f) -> f.square().sum().sqrt())
            .shape("features", PerSampleGradientsTest.D);
    Dataset<Row> viaColumn =
        data.withColumn("norm", norm.apply(org.apache.spark.sql.functions.col("features")));
    assertThat(viaColumn.queryExecution().executedPlan().toString()).contains("VmapEval");
    Dataset<Row> viaTransform = norm.inputColumns("features").outputColumns("norm").transform(data);
    DataFrameAssertions.assertDataFrameEquals(viaTransform, viaColumn, 0.0);
    VmapSpark.register(spark, "features_norm", norm);
    data.createOrReplaceTempView("cluster_points");
    Dataset<Row> viaSql =
        spark.sql("SELECT *, features_norm(features) AS norm FROM cluster_points");
    DataFrameAssertions.assertDataFrameEquals(viaTransform, viaSql, 0.0);
  }

  @Test
  void theColumnFormWithARandomColumnGivesIdenticalValuesTwice() {
    awaitExecutors(2);
    // three partitions in a fixed row order (randn after a shuffle would not be reproducible)
    Dataset<Row> data = PerSampleGradientsTest.data(spark);
    int d = PerSampleGradientsTest.D;
    org.apache.spark.sql.Column[] draws = new org.apache.spark.sql.Column[d];
    for (int i = 0; i < d; i++) {
      draws[i] = org.apache.spark.sql.functions.randn(100 + i); // seeded per partition and row
    }
    Dataset<Row> noisy =
        data.withColumn("noise", org.apache.spark.sql.functions.array(draws))
            .withColumn(
                "y",
                VmapFunctions.vmapUdf((Tensor f, Tensor e) -> f.add(e.mul(0.1)).sum())
                    .shape(0, d)
                    .shape(1, d)
                    .apply(
                        org.apache.spark.sql.functions.col("features"),
                        org.apache.spark.sql.functions.col("noise")))
            .withColumn(
                "z", // core's random primitive, keyed by (seed, partition, row index)
                VmapFunctions.vmapUdf(
                        (Tensor f) -> f.add(Tensor.randomNormal(9, DType.F64, d).mul(0.1)).sum())
                    .shape(0, d)
                    .randomness(org.vmap4j.Randomness.DIFFERENT)
                    .seed(2026)
                    .apply(org.apache.spark.sql.functions.col("features")));
    List<Row> first = noisy.collectAsList();
    List<Row> second = noisy.collectAsList();
    DataFrameAssertions.assertRowsEqual(first, second, noisy.columns(), 0.0);
    assertThat(first.stream().map(r -> r.getDouble(r.fieldIndex("y"))).distinct().count())
        .isEqualTo(first.size());
    assertThat(first.stream().map(r -> r.getDouble(r.fieldIndex("z"))).distinct().count())
        .isEqualTo(first.size());
  }

  @Test
  void anExecutorJvmDiesMidJobSparkRetriesAndTheResultsAreIdentical() throws Exception {
    List<Row> undisturbed = gradients(false).collectAsList();
    AtomicInteger removed = new AtomicInteger();
    List<String> failures = new ArrayList<>();
    SparkListener listener =
        new SparkListener() {
          @Override
          public void onExecutorRemoved(SparkListenerExecutorRemoved event) {
            removed.incrementAndGet();
          }

          @Override
          public void onTaskEnd(SparkListenerTaskEnd event) {
            if (event.reason() instanceof TaskFailedReason r) {
              synchronized (failures) {
                failures.add(r.toErrorString());
              }
            }
          }
        };
    spark.sparkContext().addSparkListener(listener);
    try {
      List<Row> disturbed = gradients(true).collectAsList();

      DataFrameAssertions.assertRowsEqual(
          undisturbed,
          disturbed,
          new String[] {"id", "features", "label", "grad_w", "grad_b", "norm"},
          0);
      spark.sparkContext().listenerBus().waitUntilEmpty(30_000);
      assertThat(removed.get()).as("executors lost").isGreaterThanOrEqualTo(1);
      assertThat(failures).as("failed task attempts").isNotEmpty();
      assertThat(String.join("\n", failures)).contains("ExecutorLostFailure");
    } finally {
      spark.sparkContext().removeSparkListener(listener);
    }
  }

  @Test
  void anExecutorKilledMidDpSgdStepChangesNothing() throws Exception {
    awaitExecutors(2);
    org.vmap4j.spark.dp.DpSgdExecutorLoss.anExecutorKilledMidStepChangesNothing(spark);
  }
}
