package org.vmap4j.it;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a program as a user would from a shell, in a given folder, with its standard output and
 * error kept in files under the work folder (named after the run) so a failure can be read.
 */
final class Command {
  private final String name;
  private final List<String> arguments = new ArrayList<>();
  private Path directory = Environment.repoRoot();
  private String input = "";
  private Map<String, String> environment = Map.of();

  private Command(String name) {
    this.name = name;
  }

  /** A run called {@code name} (its logs are {@code <name>.out} and {@code <name>.err}). */
  static Command named(String name) {
    return new Command(name);
  }

  Command args(String... more) {
    arguments.addAll(List.of(more));
    return this;
  }

  Command args(List<String> more) {
    arguments.addAll(more);
    return this;
  }

  Command in(Path folder) {
    directory = folder;
    return this;
  }

  /** What is typed on the program's standard input (then end of input). */
  Command input(String text) {
    input = text;
    return this;
  }

  Command environment(Map<String, String> variables) {
    environment = variables;
    return this;
  }

  /** What a run left: its exit code and its two output streams. */
  record Result(String name, List<String> command, int exitCode, String out, String err) {
    /** For assertion messages: the command and the end of what it printed. */
    String describe() {
      return name
          + ": "
          + String.join(" ", command)
          + "\nexit code "
          + exitCode
          + "\n--- stdout (end) ---\n"
          + tail(out)
          + "\n--- stderr (end) ---\n"
          + tail(err);
    }

    private static String tail(String text) {
      return text.length() <= 6000 ? text : "..." + text.substring(text.length() - 6000);
    }
  }

  Result run(long timeoutSeconds) {
    Path logs = Environment.workDir();
    Path out = logs.resolve(name + ".out");
    Path err = logs.resolve(name + ".err");
    ProcessBuilder builder =
        new ProcessBuilder(arguments)
            .directory(directory.toFile())
            .redirectOutput(out.toFile())
            .redirectError(err.toFile());
    builder.environment().putAll(environment);
    try {
      Process process = builder.start();
      try (OutputStream stdin = process.getOutputStream()) {
        stdin.write(input.getBytes(StandardCharsets.UTF_8));
      }
      if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly().waitFor();
        throw new AssertionError(
            name + " did not finish within " + timeoutSeconds + " s; logs in " + logs);
      }
      return new Result(
          name,
          List.copyOf(arguments),
          process.exitValue(),
          Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(name + ": cannot run " + arguments, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(name + " was interrupted", e);
    }
  }
}
