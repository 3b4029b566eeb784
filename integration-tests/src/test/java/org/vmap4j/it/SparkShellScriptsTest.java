package org.vmap4j.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each examples/spark-shell/*.scala script, loaded as {@code spark-shell --jars <connector jar> -i
 * script.scala} loads it. No spark-repl for Spark 4 is available here, so the script runs in the
 * Scala 2.13 REPL that spark-shell is built on, started the way Spark's shell starts it
 * (class-based wrappers, the --jars on the interpreter's classpath and in spark.jars, the session
 * built from spark.* system properties by spark-shell's own initialization lines, {@code
 * spark-shell-init.scala}), on Spark's classpath.
 */
class SparkShellScriptsTest {

  static Stream<Path> scripts() throws IOException {
    Path folder = Environment.repoRoot().resolve("examples/spark-shell");
    List<Path> found = new ArrayList<>();
    try (Stream<Path> files = Files.list(folder)) {
      files.filter(p -> p.toString().endsWith(".scala")).sorted().forEach(found::add);
    }
    assertThat(found).as("scripts in %s", folder).isNotEmpty();
    return found.stream();
  }

  @ParameterizedTest
  @MethodSource("scripts")
  void scriptPrintsPassingChecks(Path script) throws IOException {
    Path init = Environment.workDir().resolve("spark-shell-init.scala");
    try (var in = SparkShellScriptsTest.class.getResourceAsStream("/spark-shell-init.scala")) {
      Files.write(init, in.readAllBytes());
    }
    String jar = Environment.connectorJar().toString();
    List<String> command = new ArrayList<>();
    command.add(Environment.javaExecutable().toString());
    command.addAll(Environment.sparkJvmOptions());
    command.addAll(
        List.of(
            "-Xmx2g",
            "-Dspark.master=local[2]",
            "-Dspark.jars=" + jar,
            "-Dspark.ui.enabled=false",
            "-Dspark.driver.host=127.0.0.1",
            "-Dspark.driver.bindAddress=127.0.0.1",
            "-cp",
            Environment.joined(Environment.sparkClasspath())
                + java.io.File.pathSeparator
                + Environment.joined(Environment.replClasspath()),
            "scala.tools.nsc.MainGenericRunner",
            "-usejavacp",
            "-Yrepl-class-based",
            "-classpath",
            jar,
            "-i",
            init.toString(),
            "-i",
            Environment.repoRoot().relativize(script).toString()));
    String name = "spark-shell-" + script.getFileName().toString().replace(".scala", "");
    Command.Result result = Command.named(name).args(command).input(":quit\n").run(600);

    assertThat(result.exitCode()).as(result.describe()).isZero();
    assertThat(result.out()).as(result.describe()).doesNotContain("error:", "Exception");
    CheckLines.assertAllPassed(script, result, 1e-9);
  }
}
