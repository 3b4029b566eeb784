package org.vmap4j.spark.dp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.TaskContext;
import org.apache.spark.TaskFailedReason;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.vmap4j.Tensor;
import org.vmap4j.spark.dp.LogisticData.Params;

/**
 * An executor JVM killed in the middle of a DP-SGD step changes nothing: Spark reruns the lost
 * task, which draws the same Poisson sample (the step's seed and the partition decide it) and gives
 * the same partition sum, and the driver adds the sums in partition order, so the trained
 * parameters are bit for bit those of an undisturbed run. Run by {@code LocalClusterTest} on its
 * {@code local-cluster} session (executors are separate JVMs there).
 */
public final class DpSgdExecutorLoss {
  private DpSgdExecutorLoss() {}

  /** The local property that arms the kill; its value is the marker file (one kill per file). */
  static final String KILL_MARKER = "vmap4j.test.dpsgd.killMarker";

  static final int STEPS = 3;
  static final int ROWS = 180;
  static final int FEATURES = 16;

  public static void anExecutorKilledMidStepChangesNothing(SparkSession spark) throws Exception {
    Dataset<Row> data = frame(spark);
    DpSgdResult<Params> undisturbed = trainer().fit(data);

    Path marker = Files.createTempDirectory("dpsgd-kill").resolve("killed");
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
      DpSgdResult<Params> disturbed =
          trainer()
              .listener(
                  s -> {
                    if (s.step() == 0) { // arm the kill for step 1's job (jobs run on this thread)
                      spark.sparkContext().setLocalProperty(KILL_MARKER, marker.toString());
                    }
                  })
              .fit(data);
      spark.sparkContext().setLocalProperty(KILL_MARKER, null);
      spark.sparkContext().listenerBus().waitUntilEmpty(30_000);

      assertThat(Files.exists(marker)).as("an executor was told to die").isTrue();
      assertThat(removed.get()).as("executors lost").isGreaterThanOrEqualTo(1);
      assertThat(String.join("\n", failures)).contains("ExecutorLostFailure");
      assertThat(disturbed.sampledRows()).isEqualTo(undisturbed.sampledRows());
      assertThat(DpSgdTest.flat(disturbed.params()))
          .isEqualTo(DpSgdTest.flat(undisturbed.params())); // bit for bit
    } finally {
      spark.sparkContext().setLocalProperty(KILL_MARKER, null);
      spark.sparkContext().removeSparkListener(listener);
    }
  }

  static DpSgd<Params> trainer() {
    return DpSgd.of(
            LogisticData::loss,
            new Params(Tensor.of(new double[FEATURES]).add(0.05), Tensor.scalar(0.0)))
        .inputColumns("features", "label")
        .sampleRate(0.3)
        .noiseMultiplier(1.0)
        .clipNorm(1.0)
        .delta(1e-3)
        .steps(STEPS)
        .learningRate(0.5)
        .momentum(0.5)
        .rowCount(ROWS)
        .masterSeed(5)
        .insecureSeededNoiseForTestsOnly(6);
  }

  /**
   * {@link #ROWS} rows of {@link #FEATURES} features in 6 partitions (many partial sums of many
   * coordinates: adding them in another order would change some bit, which the test would see),
   * read through a source whose partition 1 halts its executor JVM (as abruptly as kill -9) when
   * the kill is armed and its marker file does not exist yet.
   */
  static Dataset<Row> frame(SparkSession spark) {
    Random r = new Random(1);
    double[][] x = new double[ROWS][FEATURES];
    double[] y = new double[ROWS];
    for (int i = 0; i < ROWS; i++) {
      for (int j = 0; j < FEATURES; j++) {
        x[i][j] = r.nextGaussian();
      }
      y[i] = x[i][0] - x[i][2] + 0.5 * r.nextGaussian() > 0 ? 1 : 0;
    }
    Dataset<Row> data = LogisticData.frame(spark, x, y, 6);
    JavaRDD<Row> rows =
        data.javaRDD()
            .mapPartitionsWithIndex(
                (index, it) -> {
                  String marker = TaskContext.get().getLocalProperty(KILL_MARKER);
                  if (index == 1 && marker != null && claim(Path.of(marker))) {
                    Runtime.getRuntime().halt(17);
                  }
                  return it;
                },
                true);
    return spark.createDataFrame(rows, data.schema());
  }

  /** True for the first caller only: creating a file is atomic across the executor JVMs. */
  private static boolean claim(Path marker) {
    try {
      Files.createFile(marker);
      return true;
    } catch (FileAlreadyExistsException e) {
      return false;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
