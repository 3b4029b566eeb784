package org.vmap4j.compiler;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.vmap4j.DType;
import org.vmap4j.Func;
import org.vmap4j.Tensor;
import org.vmap4j.cpu.BufferPool;
import org.vmap4j.cpu.CpuTensor;
import org.vmap4j.cpu.Storage;

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

  /**
   * A recycled array is zero-filled for {@code Storage.allocate} (kernels that accumulate into
   * their result rely on it) and handed over as it is for {@code allocateForOverwrite}
   * (element-wise kernels, which write every element); the jitted element-wise chain over recycled
   * arrays still equals the eager one.
   */
  @Test
  void overwriteAllocationsSkipTheZeroFillAndStillGiveTheEagerNumbers() {
    BufferPool pool = new BufferPool();
    float[] first =
        pool.using(
            () -> {
              float[] a = (float[]) Storage.allocate(DType.F32, 8);
              java.util.Arrays.fill(a, 7f);
              return a;
            },
            a -> List.of());
    float[] overwrite =
        pool.using(() -> (float[]) Storage.allocateForOverwrite(DType.F32, 8), a -> List.of());
    assertThat(overwrite).isSameAs(first).containsOnly(7f);
    float[] zeroed = pool.using(() -> (float[]) Storage.allocate(DType.F32, 8), a -> List.of());
    assertThat(zeroed).isSameAs(first).containsOnly(0f);

    Executable e =
        ProgramCompiler.compile(
            Func.trace(
                (Tensor x) -> x.exp().sum(1).reshape(8, 1).mul(x).tanh().sum(0),
                Tensor.zeros(DType.F32, 8, 16)));
    for (int seed = 1; seed <= 3; seed++) {
      Tensor x = Tensor.randomNormal(seed, DType.F32, 8, 16);
      Tensor want = x.exp().sum(1).reshape(8, 1).mul(x).tanh().sum(0);
      assertThat(e.run(List.of((CpuTensor) x)).get(0).allClose(want, 1e-5, 1e-6)).isTrue();
    }
    assertThat(e.reusedBuffers()).isPositive();
  }
}
