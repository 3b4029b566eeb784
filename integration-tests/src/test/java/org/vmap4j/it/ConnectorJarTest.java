package org.vmap4j.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/**
 * The shaded connector jar holds vmap4j and what Spark lacks, and nothing Spark already has: a
 * class in both would be loaded from Spark's copy (the user jar comes second), whatever version was
 * bundled.
 */
class ConnectorJarTest {

  static Set<String> classes(Path jar) throws IOException {
    Set<String> names = new TreeSet<>();
    try (JarFile file = new JarFile(jar.toFile())) {
      for (JarEntry e : java.util.Collections.list(file.entries())) {
        String name = e.getName();
        // multi-release copies count as the class they version
        name = name.replaceFirst("^META-INF/versions/\\d+/", "");
        if (name.endsWith(".class") && !name.endsWith("module-info.class")) {
          names.add(name);
        }
      }
    }
    return names;
  }

  @Test
  void bundlesVmap4jAndJcuda() throws IOException {
    Set<String> bundled = classes(Environment.connectorJar());
    assertThat(bundled)
        .contains(
            "org/vmap4j/Tensor.class", // core
            "org/vmap4j/arrow/ArrowTensors.class", // arrow-bridge
            "org/vmap4j/gpu/CudaBackend.class", // gpu
            "org/vmap4j/spark/VmapUdf.class", // spark-connector
            "jcuda/driver/JCudaDriver.class"); // JCuda, which no Spark distribution ships
    try (JarFile file = new JarFile(Environment.connectorJar().toFile())) {
      assertThat(java.util.Collections.list(file.entries()))
          .as("JCuda's native driver library for linux-x86_64")
          .anySatisfy(
              e ->
                  assertThat(e.getName())
                      .startsWith("lib/libJCudaDriver-")
                      .endsWith("-linux-x86_64.so"));
    }
  }

  @Test
  void bundlesNoClassThatSparkHas() throws IOException {
    Set<String> bundled = classes(Environment.connectorJar());
    Map<String, Path> sparkHas = new HashMap<>();
    for (Path jar : Environment.sparkClasspath()) {
      for (String c : classes(jar)) {
        sparkHas.putIfAbsent(c, jar);
      }
    }
    assertThat(sparkHas).as("Spark's classpath").containsKey("org/apache/spark/SparkContext.class");
    List<String> duplicates = new ArrayList<>();
    for (String c : bundled) {
      if (sparkHas.containsKey(c)) {
        duplicates.add(c + " (also in " + sparkHas.get(c).getFileName() + ")");
      }
    }
    assertThat(duplicates)
        .as("classes of %s that Spark's classpath has too", Environment.connectorJar())
        .isEmpty();
  }
}
