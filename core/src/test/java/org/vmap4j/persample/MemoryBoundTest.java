package org.vmap4j.persample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Per-sample norms and clipped sums of a 4.2M-parameter MLP at B=4096 in a JVM limited to 1 GB:
 * only possible when the compiler reduces them from the layers' factors (the per-sample gradients
 * would take 69 GB).
 */
class MemoryBoundTest {
  @Test
  void normsAndClippedSumOfA4MParameterMlpRunIn1Gb() throws Exception {
    String java =
        System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    Process process =
        new ProcessBuilder(
                List.of(
                    java,
                    "-Xmx1g",
                    "--add-modules=jdk.incubator.vector",
                    "-cp",
                    System.getProperty("java.class.path"),
                    MemoryBoundMain.class.getName()))
            .redirectErrorStream(true)
            .start();
    boolean done = process.waitFor(10, TimeUnit.MINUTES);
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!done) {
      process.destroyForcibly();
    }
    assertTrue(done, "the forked JVM did not finish in 10 minutes:\n" + output);
    assertEquals(0, process.exitValue(), output);
    assertTrue(output.contains("OK params=4197376 batch=4096"), output);
    System.out.println(output.lines().filter(l -> l.startsWith("OK")).findFirst().orElse(""));
  }
}
