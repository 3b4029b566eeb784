package org.vmap4j.compiler;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.vmap4j.DType;
import org.vmap4j.Func;
import org.vmap4j.Tensor;
import org.vmap4j.cpu.CpuTensor;

/** A compiled program recycles its intermediates between calls, never its results. */
class BufferReuseTest {
  @Test
  void intermediatesAreRecycledAndEarlierResultsStayIntact() {
    // the matrix product and the softmax's reductions are intermediates between fused steps
    Executable e =
        ProgramCompiler.compile(
            Func.trace(
                (Tensor x, Tensor w) -> {
                  Tensor h = x.matmul(w).tanh();
                  return List.of(h.softmax(1), h.sum(0));
                },
                Tensor.zeros(DType.F32, 64, 32),
                Tensor.zeros(DType.F32, 32, 16)));
    CpuTensor x1 = (CpuTensor) Tensor.randomNormal(1, DType.F32, 64, 32);
    CpuTensor x2 = (CpuTensor) Tensor.randomNormal(2, DType.F32, 64, 32);
    CpuTensor w = (CpuTensor) Tensor.randomNormal(3, DType.F32, 32, 16);
    List<CpuTensor> first = e.run(List.of(x1, w));
    float[][] firstValues = {first.get(0).toFloatArray(), first.get(1).toFloatArray()};
    assertThat(e.reusedBuffers()).isZero();
    List<CpuTensor> second = e.run(List.of(x2, w));
    assertThat(e.reusedBuffers()).isPositive();
    // results of the first call are untouched by the second, which recycled arrays
    assertThat(first.get(0).toFloatArray()).containsExactly(firstValues[0]);
    assertThat(first.get(1).toFloatArray()).containsExactly(firstValues[1]);
    // and recycled (zero-filled) arrays give the same numbers as fresh ones
    Tensor h = x2.matmul(w).tanh();
    assertThat(second.get(0).allClose(h.softmax(1), 1e-5, 1e-6)).isTrue();
    assertThat(second.get(1).allClose(h.sum(0), 1e-5, 1e-5)).isTrue();
    assertThat(e.run(List.of(x2, w)).get(0).toFloatArray())
        .containsExactly(second.get(0).toFloatArray());
  }
}
