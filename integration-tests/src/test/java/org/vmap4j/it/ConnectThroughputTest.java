package org.vmap4j.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.vmap4j.spark.connect.client.PerSampleGradients;

/**
 * Remote against classic throughput of per-sample gradients (1M rows, D = 64, local[2]), in one
 * sitting: the classic connector in a forked JVM ({@link ClassicThroughput}), then the same
 * workload from this JVM's Connect client against a local[2] Connect server. A measurement, not a
 * test: it runs only with {@code -Dvmap4j.it.connectThroughput=true}, prints the figures and
 * asserts only that both sides computed the same sum of norms.
 */
@EnabledIfSystemProperty(named = "vmap4j.it.connectThroughput", matches = "true")
class ConnectThroughputTest {
  private static final long ROWS = Long.getLong("vmap4j.it.connectThroughput.rows", 1_000_000);
  private static final int RUNS = 4; // the first of each side is a warm-up

  @Test
  void remoteAgainstClassic() throws Exception {
    Path file = Environment.workDir().resolve("classic-throughput.txt");
    Path testClasses =
        Path.of(getClass().getProtectionDomain().getCodeSource().getLocation().toURI());
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
            ClassicThroughput.class.getName(),
            Long.toString(ROWS),
            Integer.toString(RUNS),
            file.toString()));
    Command.Result result = Command.named("classic-throughput").args(command).run(600);
    assertThat(result.exitCode()).as(result.describe()).isZero();
    double[][] classic =
        Files.readAllLines(file).stream()
            .map(l -> Arrays.stream(l.split(" ")).mapToDouble(Double::parseDouble).toArray())
            .toArray(double[][]::new);

    double[][] remote = new double[RUNS][];
    try (ConnectServer server = ConnectServer.start("spark-connect-throughput-server")) {
      SparkSession spark =
          org.apache.spark.sql.connect.SparkSession.builder().remote(server.url()).create();
      for (int r = 0; r < RUNS; r++) {
        long t0 = System.nanoTime();
        double s =
            ThroughputWorkload.sumOfNorms(
                PerSampleGradients.of(ThroughputWorkload::loss, ThroughputWorkload.params())
                    .inputColumns("x", "label")
                    .shape("x", ThroughputWorkload.D)
                    .withNorm("grad_norm")
                    .transform(ThroughputWorkload.data(spark, ROWS)));
        remote[r] = new double[] {(System.nanoTime() - t0) / 1e9, s};
      }
      spark.close();
    }
    double classicMedian = median(classic);
    double remoteMedian = median(remote);
    System.out.printf(
        "per-sample gradients, %d rows, D=%d, local[2]: classic %s s, remote %s s (runs after"
            + " the first); medians %.3f s and %.3f s; remote throughput / classic = %.3f%n",
        ROWS,
        ThroughputWorkload.D,
        Arrays.toString(seconds(classic)),
        Arrays.toString(seconds(remote)),
        classicMedian,
        remoteMedian,
        classicMedian / remoteMedian);
    // the same data (seeded rand) and the same gradients on both sides
    assertThat(remote[RUNS - 1][1])
        .isCloseTo(classic[RUNS - 1][1], org.assertj.core.data.Offset.offset(1e-6 * ROWS));
  }

  private static double[] seconds(double[][] runs) {
    return Arrays.stream(runs).skip(1).mapToDouble(r -> Math.round(r[0] * 1000) / 1000.0).toArray();
  }

  private static double median(double[][] runs) {
    double[] s = Arrays.stream(runs).skip(1).mapToDouble(r -> r[0]).sorted().toArray();
    return s[s.length / 2];
  }
}
