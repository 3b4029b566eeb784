package org.vmap4j.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.vmap4j.DType;
import org.vmap4j.Func;
import org.vmap4j.InDims;
import org.vmap4j.Tensor;

/** vmap(grad), the per-sample loop and the closed form agree on a small batch. */
class PerSampleGradBenchmarkTest {
  @Test
  void variantsAgree() {
    Tensor w = Tensor.randomNormal(1, DType.F32, 16).mul(0.1);
    Tensor x = Tensor.randomNormal(2, DType.F32, 20, 16);
    Tensor y = Tensor.randomUniform(3, DType.F32, 20).gt(0.5).astype(DType.F32);
    Tensor vmapped =
        Func.vmap(Func.grad(PerSampleGradBenchmark::loss), InDims.of(null, 0))
            .apply(w, new Tensor[] {x, y});
    assertThat(vmapped.allClose(PerSampleGradBenchmark.closed(w, x, y), 1e-5, 1e-6)).isTrue();
    assertThat(vmapped.allClose(PerSampleGradBenchmark.loop(w, x, y), 1e-5, 1e-6)).isTrue();
  }
}
