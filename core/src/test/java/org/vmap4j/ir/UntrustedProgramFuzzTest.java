package org.vmap4j.ir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * 3,000 seeded fuzz cases (random bytes; bit flips, truncations, splices and inflated length fields
 * of an MLP, its per-sample gradients, a control-flow program and a convolution) through {@link
 * ProgramSerializer#fromUntrustedBytes}, each accepted program then compiled and run: only clean
 * rejections, no other exception, no {@code StackOverflowError}, no {@code OutOfMemoryError} in a
 * 256 MB JVM, no case running past 20 seconds (a hang detector, not a timing check). The run is
 * {@link ProgramFuzzMain} in a JVM of its own, so that the heap is small and a hang can be ended.
 */
class UntrustedProgramFuzzTest {
  @Test
  void mutatedAndRandomProgramBytesGetOnlyCleanRejections() throws Exception {
    String java =
        System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    Process process =
        new ProcessBuilder(
                List.of(
                    java,
                    "-Xmx256m",
                    "--add-modules=jdk.incubator.vector",
                    "-cp",
                    System.getProperty("java.class.path"),
                    ProgramFuzzMain.class.getName(),
                    "20261206",
                    "3000"))
            .redirectErrorStream(true)
            .start();
    boolean done = process.waitFor(10, TimeUnit.MINUTES);
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!done) {
      process.destroyForcibly();
    }
    assertTrue(done, "the forked JVM did not finish in 10 minutes:\n" + output);
    assertEquals(0, process.exitValue(), output);
    assertTrue(output.contains("OK cases=3000"), output);
    System.out.println(output.lines().filter(l -> l.startsWith("OK")).findFirst().orElse(""));
  }
}
