package org.vmap4j.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The docs/running.md spark-submit line, run against local[2]: SparkSubmit's main class on a Spark
 * distribution's classpath (spark-sql and its dependencies, nothing of vmap4j), the shaded
 * connector jar passed with --jars and the examples jar as the application.
 */
class SparkSubmitTest {
  private static final Pattern DIFFERENCE =
      Pattern.compile("max abs difference[^:\\d]*:?\\s*(-?[0-9][0-9.]*(?:[eE][-+]?[0-9]+)?)");

  @Test
  void examplesMainRunsUnderSparkSubmit() {
    List<String> command = new ArrayList<>();
    command.add(Environment.javaExecutable().toString());
    command.addAll(Environment.sparkJvmOptions());
    command.addAll(
        List.of(
            "-Xmx2g",
            "-cp",
            Environment.joined(Environment.sparkClasspath()),
            "org.apache.spark.deploy.SparkSubmit",
            "--master",
            "local[2]",
            // this machine allows loopback traffic only
            "--conf",
            "spark.driver.host=127.0.0.1",
            "--conf",
            "spark.driver.bindAddress=127.0.0.1",
            "--jars",
            Environment.connectorJar().toString(),
            "--class",
            "org.vmap4j.examples.Main",
            Environment.examplesJar().toString()));
    Command.Result result = Command.named("spark-submit-examples-main").args(command).run(600);

    assertThat(result.exitCode()).as(result.describe()).isZero();
    // the Spark job ran on the master given on the command line, not one set in the program
    assertThat(result.out())
        .as(result.describe())
        .contains("(569 rows x 30 features), on Spark " + Environment.sparkVersion() + " local[2]");
    // its table of the five rows with the largest per-sample gradient norms
    assertThat(
            result
                .out()
                .lines()
                .filter(l -> l.matches("\\s+\\d+\\s+[01]\\s+[0-9.]+\\s+[0-9.]+\\s*"))
                .count())
        .as(result.describe())
        .isEqualTo(5);
    // every comparison the program prints (vmap against loops, jit against eager, ...) holds
    List<Double> differences = new ArrayList<>();
    Matcher m = DIFFERENCE.matcher(result.out());
    while (m.find()) {
      differences.add(Double.parseDouble(m.group(1)));
    }
    assertThat(differences).as(result.describe()).hasSizeGreaterThanOrEqualTo(5);
    assertThat(differences)
        .as(result.describe())
        .allSatisfy(d -> assertThat(d).isBetween(0.0, 1e-4));
  }
}
