package org.vmap4j.it;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import org.vmap4j.spark.PerSampleGradients;

/**
 * The classic side of {@link ConnectThroughputTest}, in its own JVM (as {@link ClassicReference}):
 * times the workload on a classic local[2] session and writes "seconds per run" lines.
 */
public final class ClassicThroughput {
  private ClassicThroughput() {}

  public static void main(String[] args) throws Exception {
    long rows = Long.parseLong(args[0]);
    int runs = Integer.parseInt(args[1]);
    SparkSession spark =
        SparkSession.builder()
            .master("local[2]")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.extensions", "org.vmap4j.spark.VmapSparkExtensions")
            .getOrCreate();
    StringBuilder out = new StringBuilder();
    for (int r = 0; r < runs; r++) {
      long t0 = System.nanoTime();
      double s =
          ThroughputWorkload.sumOfNorms(
              PerSampleGradients.of(ThroughputWorkload::loss, ThroughputWorkload.params())
                  .inputColumns("x", "label")
                  .withNorm("grad_norm")
                  .configure(u -> u.shape("x", ThroughputWorkload.D))
                  .transform(ThroughputWorkload.data(spark, rows)));
      out.append((System.nanoTime() - t0) / 1e9).append(' ').append(s).append('\n');
    }
    Files.writeString(Path.of(args[2]), out);
    spark.stop();
  }
}
