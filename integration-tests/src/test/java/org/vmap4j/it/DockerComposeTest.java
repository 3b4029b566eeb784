package org.vmap4j.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.abort;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The root docker-compose.yml, as far as it can be checked without a Docker engine (none runs on
 * the machine this project is built and tested on): {@code docker-compose config} accepts it with
 * and without the gpu profile, it uses the official image of the Spark version the build uses, the
 * files it mounts exist once the jars are packaged, and the GPU discovery script prints what Spark
 * expects. The cluster itself is not started here.
 *
 * <p>Without docker-compose on the PATH the compose checks are skipped, saying why, except under CI
 * (the environment variable CI=true, which .ci/run's CI sets), where .ci/run installs Debian's
 * docker-compose first and its absence is a failure.
 */
class DockerComposeTest {
  private static final Path COMPOSE_FILE = Environment.repoRoot().resolve("docker-compose.yml");
  private static final Path DISCOVERY_SCRIPT =
      Environment.repoRoot().resolve("docker/spark/gpu-discovery.sh");

  static Path dockerCompose() {
    Optional<Path> found =
        Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
            .filter(s -> !s.isBlank())
            .map(dir -> Path.of(dir, "docker-compose"))
            .filter(Files::isExecutable)
            .findFirst();
    if (found.isEmpty()) {
      String why =
          "docker-compose is not on the PATH, so docker-compose.yml was not validated"
              + " (Debian: apt-get install docker-compose)";
      if ("true".equals(System.getenv("CI"))) {
        fail(why + "; under CI it must be: .ci/run installs it");
      }
      abort(why);
    }
    return found.get();
  }

  private static Command.Result compose(String name, String... args) {
    List<String> command = new ArrayList<>();
    command.add(dockerCompose().toString());
    command.addAll(List.of(args));
    return Command.named(name).args(command).run(120);
  }

  @Test
  void configIsValidAndMountsTheBuiltJars() throws IOException {
    Command.Result config =
        compose("docker-compose-config", "-f", COMPOSE_FILE.toString(), "config");
    assertThat(config.exitCode()).as(config.describe()).isZero();
    String resolved = config.out();
    String image =
        "apache/spark:"
            + Environment.sparkVersion()
            + "-scala"
            + Environment.scalaBinaryVersion()
            + "-java17-ubuntu";
    assertThat(resolved)
        .as("the official image of the Spark the build uses")
        .contains("image: " + image);
    assertThat(resolved)
        .contains("org.apache.spark.deploy.master.Master", "spark://spark-master:7077")
        .contains("--class org.vmap4j.examples.Main")
        // the Spark Connect server with vmap4j's plugins (docs/spark-connect.md)
        .contains(
            "--class org.apache.spark.sql.connect.service.SparkConnectServer",
            "spark.connect.extensions.expression.classes=org.vmap4j.spark.connect.VmapExpressionPlugin",
            "spark.sql.extensions=org.vmap4j.spark.VmapSparkExtensions");

    // every bind mount's source exists: the jars this build packaged and the discovery script
    Matcher mount =
        Pattern.compile("^\\s*- (/[^:\\s]+):(/[^:\\s]+)(:ro|:rw)?\\s*$", Pattern.MULTILINE)
            .matcher(resolved);
    List<Path> sources = new ArrayList<>();
    while (mount.find()) {
      sources.add(Path.of(mount.group(1)));
    }
    assertThat(sources)
        .as(config.describe())
        .contains(Environment.connectorJar().toAbsolutePath().normalize())
        .contains(Environment.examplesJar().toAbsolutePath().normalize())
        .contains(DISCOVERY_SCRIPT)
        .allSatisfy(p -> assertThat(p).exists());

    Command.Result services =
        compose("docker-compose-services", "-f", COMPOSE_FILE.toString(), "config", "--services");
    assertThat(services.out().lines().toList())
        .as(services.describe())
        .containsExactlyInAnyOrder(
            "spark-master",
            "spark-worker-1",
            "spark-worker-2",
            "spark-worker-gpu",
            "submit",
            "spark-connect");
  }

  @Test
  void gpuProfileReservesOneNvidiaGpuForTheWorker() {
    Command.Result config =
        compose(
            "docker-compose-config-gpu",
            "-f",
            COMPOSE_FILE.toString(),
            "--profile",
            "gpu",
            "config");
    assertThat(config.exitCode()).as(config.describe()).isZero();
    String gpuWorker =
        config
            .out()
            .substring(
                config.out().indexOf("  spark-worker-gpu:"), config.out().indexOf("  submit:"));
    assertThat(gpuWorker)
        .as(config.describe())
        .contains("driver: nvidia", "count: 1", "- gpu")
        .contains("-Dspark.worker.resource.gpu.amount=1")
        .contains("-Dspark.worker.resource.gpu.discoveryScript=/opt/vmap4j/gpu-discovery.sh")
        .contains(DISCOVERY_SCRIPT + ":/opt/vmap4j/gpu-discovery.sh");
  }

  /** The discovery script against a stand-in nvidia-smi that lists the given GPU indices. */
  private static Command.Result discover(String name, String... indices) throws IOException {
    Path bin = Files.createDirectories(Environment.workDir().resolve(name + "-bin"));
    Path nvidiaSmi = bin.resolve("nvidia-smi");
    StringBuilder script = new StringBuilder("#!/bin/sh\n");
    script.append("[ \"$*\" = \"--query-gpu=index --format=csv,noheader\" ] || exit 2\n");
    for (String index : indices) {
      script.append("echo '").append(index).append("'\n");
    }
    Files.writeString(nvidiaSmi, script);
    assertThat(nvidiaSmi.toFile().setExecutable(true)).isTrue();
    return Command.named(name)
        .args(DISCOVERY_SCRIPT.toString())
        .environment(Map.of("PATH", bin + File.pathSeparator + System.getenv("PATH")))
        .run(60);
  }

  @Test
  void discoveryScriptPrintsTheGpusAsSparkResourceJson() throws IOException {
    assertThat(DISCOVERY_SCRIPT).isExecutable();
    Command.Result two = discover("gpu-discovery-two", "0", "1");
    assertThat(two.exitCode()).as(two.describe()).isZero();
    assertThat(two.out().strip()).isEqualTo("{\"name\": \"gpu\", \"addresses\": [\"0\",\"1\"]}");
    Command.Result one = discover("gpu-discovery-one", "0");
    assertThat(one.out().strip()).isEqualTo("{\"name\": \"gpu\", \"addresses\": [\"0\"]}");
  }
}
