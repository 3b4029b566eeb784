package org.vmap4j.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a test's main class in a fresh JVM with its own heap limit (the tests that must show a
 * memory bound, or that no input can make the reader run out of memory), this JVM's class path and
 * the Vector API module, and checks that it finished, exited with 0 and printed its OK line.
 */
public final class ForkedJvm {
  private ForkedJvm() {}

  /**
   * Runs {@code mainClass} with {@code -Xmx<maxHeap>} and {@code args}; returns its output after
   * asserting a clean exit within ten minutes (a hang guard, not a timing check) and a line
   * starting with {@code okLine}, which it also prints.
   */
  public static String run(String maxHeap, Class<?> mainClass, String okLine, String... args)
      throws IOException, InterruptedException {
    List<String> command =
        new ArrayList<>(
            List.of(
                "-Xmx" + maxHeap,
                "--add-modules=jdk.incubator.vector",
                "-cp",
                System.getProperty("java.class.path"),
                mainClass.getName()));
    command.addAll(List.of(args));
    return runJava(command, okLine);
  }

  /**
   * Runs {@code java} from this JVM's home with the given arguments (e.g. a module path and {@code
   * -m module/main}); the same checks and result as {@link #run}.
   */
  public static String runJava(List<String> javaArguments, String okLine)
      throws IOException, InterruptedException {
    String java =
        System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    List<String> command = new ArrayList<>(List.of(java));
    command.addAll(javaArguments);
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    // read while it runs: a child whose output fills the pipe would otherwise wait forever
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    Thread reader = new Thread(() -> copy(process.getInputStream(), bytes));
    reader.start();
    boolean done = process.waitFor(10, TimeUnit.MINUTES);
    if (!done) {
      process.destroyForcibly();
    }
    reader.join();
    String output = bytes.toString(StandardCharsets.UTF_8);
    assertTrue(done, "the forked JVM did not finish in 10 minutes:\n" + output);
    assertEquals(0, process.exitValue(), output);
    assertTrue(output.contains(okLine), output);
    System.out.println(output.lines().filter(l -> l.startsWith("OK")).findFirst().orElse(""));
    return output;
  }

  private static void copy(InputStream in, ByteArrayOutputStream out) {
    try {
      in.transferTo(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
