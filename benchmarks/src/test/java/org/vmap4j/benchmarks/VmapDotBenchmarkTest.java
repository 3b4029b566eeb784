package org.vmap4j.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.vmap4j.DType;
import org.vmap4j.Func;
import org.vmap4j.Tensor;

/** The three variants of the benchmark compute the same dot products. */
class VmapDotBenchmarkTest {
  @Test
  void variantsAgree() {
    int n = 50;
    int d = 8;
    Tensor x = Tensor.randomNormal(1, DType.F32, n, d);
    Tensor y = Tensor.randomNormal(2, DType.F32, n, d);
    Tensor vmapped = Func.vmap(Tensor::dot).apply(x, y);
    Tensor loop = VmapDotBenchmark.perExample(x, y);
    float[] hand =
        VmapDotBenchmark.handwritten(x.toFloatArray(), y.toFloatArray(), new float[n], n, d);
    assertThat(vmapped.allClose(loop, 1e-5, 1e-6)).isTrue();
    assertThat(vmapped.allClose(Tensor.of(hand), 1e-5, 1e-6)).isTrue();
  }
}
