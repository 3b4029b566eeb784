package org.vmap4j.persample;

import org.junit.jupiter.api.Test;
import org.vmap4j.testing.ForkedJvm;

/**
 * Per-sample norms and clipped sums of a 4.2M-parameter MLP at B=4096 in a JVM limited to 1 GB:
 * only possible when the compiler reduces them from the layers' factors (the per-sample gradients
 * would take 69 GB).
 */
class MemoryBoundTest {
  @Test
  void normsAndClippedSumOfA4MParameterMlpRunIn1Gb() throws Exception {
    ForkedJvm.run("1g", MemoryBoundMain.class, "OK params=4197376 batch=4096");
  }
}
