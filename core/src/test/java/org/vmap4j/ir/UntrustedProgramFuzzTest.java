package org.vmap4j.ir;

import org.junit.jupiter.api.Test;
import org.vmap4j.testing.ForkedJvm;

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
    ForkedJvm.run("256m", ProgramFuzzMain.class, "OK cases=3000", "20261206", "3000");
  }
}
