package org.vmap4j.it;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * What the pom hands the tests as system properties: the packaged jars (resolved from this reactor
 * build), Spark's classpath, the Scala REPL's, and the JVM options Spark needs on Java 17.
 */
final class Environment {
  private Environment() {}

  static String property(String name) {
    String value = System.getProperty(name);
    if (value == null || value.isBlank() || value.contains("${")) {
      throw new IllegalStateException(
          "system property "
              + name
              + " is not set (got "
              + value
              + "): run these tests through Maven, e.g. ./mvnw -B -pl integration-tests -am verify");
    }
    return value;
  }

  static Path file(String property) {
    Path path = Path.of(property(property));
    if (!Files.isRegularFile(path)) {
      throw new IllegalStateException(property + " names " + path + ", which is not a file");
    }
    return path;
  }

  static Path repoRoot() {
    return Path.of(property("vmap4j.it.repoRoot")).toAbsolutePath().normalize();
  }

  static Path connectorJar() {
    return file("vmap4j.it.connectorJar");
  }

  static Path examplesJar() {
    return file("vmap4j.it.examplesJar");
  }

  static Path coreJar() {
    return file("vmap4j.it.coreJar");
  }

  static List<Path> classpath(String property) {
    return Arrays.stream(property(property).split(File.pathSeparator))
        .filter(s -> !s.isBlank())
        .map(Path::of)
        .toList();
  }

  /** The jars of a Spark 4.2.0 distribution's jars/ folder: spark-sql and what it depends on. */
  static List<Path> sparkClasspath() {
    return classpath("vmap4j.it.sparkClasspath");
  }

  /** The Scala 2.13 REPL (scala-compiler and its dependencies; the library comes with Spark). */
  static List<Path> replClasspath() {
    return classpath("vmap4j.it.replClasspath");
  }

  static List<Path> janinoJars() {
    return classpath("vmap4j.it.janinoJars");
  }

  /** The root pom's vmap4j.sparkJvmOptions, the module options of Spark's own launcher. */
  static List<String> sparkJvmOptions() {
    return Arrays.stream(property("vmap4j.it.sparkJvmOptions").trim().split("\\s+")).toList();
  }

  static String sparkVersion() {
    return property("vmap4j.it.sparkVersion");
  }

  static String scalaBinaryVersion() {
    return property("vmap4j.it.scalaBinaryVersion");
  }

  /** Where each test writes the logs of what it ran. */
  static Path workDir() {
    try {
      return Files.createDirectories(Path.of(property("vmap4j.it.workDir")));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static String joined(List<Path> paths) {
    return String.join(File.pathSeparator, paths.stream().map(Path::toString).toList());
  }

  static Path javaExecutable() {
    return Path.of(System.getProperty("java.home"), "bin", "java");
  }
}
