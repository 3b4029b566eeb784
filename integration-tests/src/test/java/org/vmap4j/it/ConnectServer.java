package org.vmap4j.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Spark Connect server with vmap4j's plugins, started as docs/spark-connect.md says: Spark's
 * classpath (a distribution's jars/ folder, spark-connect included), the connector's -all jar
 * through {@code --jars}, and the plugin and planner configuration; Spark's own {@code
 * SparkConnectServer} main class run through {@code SparkSubmit} (what {@code
 * sbin/start-connect-server.sh} does), in a forked JVM on the loopback.
 */
final class ConnectServer implements AutoCloseable {
  private final Process process;
  private final int port;
  private final Path log;

  private ConnectServer(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  static ConnectServer start(String name) {
    int port = freePort();
    List<String> command = new ArrayList<>();
    command.add(Environment.javaExecutable().toString());
    command.addAll(Environment.sparkJvmOptions());
    command.addAll(
        List.of(
            "-Xmx1500m",
            "-cp",
            Environment.joined(Environment.sparkClasspath()),
            "org.apache.spark.deploy.SparkSubmit",
            "--master",
            "local[2]",
            "--conf",
            "spark.driver.host=127.0.0.1",
            "--conf",
            "spark.driver.bindAddress=127.0.0.1",
            "--conf",
            "spark.ui.enabled=false",
            "--conf",
            "spark.connect.grpc.binding.address=127.0.0.1",
            "--conf",
            "spark.connect.grpc.binding.port=" + port,
            "--conf",
            "spark.connect.extensions.expression.classes="
                + "org.vmap4j.spark.connect.VmapExpressionPlugin",
            "--conf",
            "spark.connect.extensions.command.classes=org.vmap4j.spark.connect.VmapCommandPlugin",
            "--conf",
            "spark.sql.extensions=org.vmap4j.spark.VmapSparkExtensions",
            "--jars",
            Environment.connectorJar().toString(),
            "--class",
            "org.apache.spark.sql.connect.service.SparkConnectServer",
            "spark-internal"));
    Path out = Environment.workDir().resolve(name + ".out");
    Path err = Environment.workDir().resolve(name + ".err");
    try {
      Process p =
          new ProcessBuilder(command)
              .directory(Environment.workDir().toFile())
              .redirectOutput(out.toFile())
              .redirectError(err.toFile())
              .start();
      ConnectServer server = new ConnectServer(p, port, err);
      server.awaitListening(180);
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the Spark Connect server: " + command, e);
    }
  }

  String url() {
    return "sc://127.0.0.1:" + port;
  }

  private void awaitListening(long seconds) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new AssertionError(
            "the Spark Connect server exited with " + process.exitValue() + ":\n" + logTail());
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 500);
        return;
      } catch (IOException notYet) {
        sleep();
      }
    }
    close();
    throw new AssertionError(
        "the Spark Connect server did not listen within " + seconds + " s:\n" + logTail());
  }

  String logTail() {
    try {
      String text = Files.readString(log, StandardCharsets.UTF_8);
      return text.length() <= 8000 ? text : "..." + text.substring(text.length() - 8000);
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  private static void sleep() {
    try {
      Thread.sleep(500);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    process.descendants().forEach(ProcessHandle::destroy);
    process.destroy();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
