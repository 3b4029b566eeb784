package org.vmap4j.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.vmap4j.DType;
import org.vmap4j.Tensor;

/** The benchmarked convolution and its direct-loop baseline compute the same thing. */
class ConvBenchmarkTest {
  @Test
  void im2colAndTheDirectLoopAgree() {
    int n = 2;
    int c = 32;
    int s = 7;
    Tensor x = Tensor.randomNormal(1, DType.F32, n, c, s, s);
    Tensor w = Tensor.randomNormal(2, DType.F32, 32, c, 3, 3);
    float[] fast = ConvBenchmark.conv(x, w).toFloatArray();
    float[] slow = ConvBenchmark.direct(x.toFloatArray(), w.toFloatArray(), n, c, 32, s);
    assertThat(fast).hasSameSizeAs(slow);
    for (int i = 0; i < fast.length; i++) {
      assertThat(fast[i]).isCloseTo(slow[i], within(1e-3f));
    }
  }
}
