package org.vmap4j.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.vmap4j.DType;
import org.vmap4j.Func;
import org.vmap4j.InDims;
import org.vmap4j.Tensor;

/**
 * Kernels split large work over threads; every element is computed the same way whatever the split,
 * so results are bit-identical with one thread and with four.
 */
class ParallelismTest {
  static Tensor run(int threads, java.util.function.Supplier<Tensor> f) {
    return Parallelism.withThreads(threads, f);
  }

  static void identical(java.util.function.Supplier<Tensor> f) {
    Tensor one = run(1, f);
    Tensor four = run(4, f);
    assertThat(four.shape()).isEqualTo(one.shape());
    assertThat(four.toDoubleArray()).containsExactly(one.toDoubleArray());
  }

  @Test
  void elementwiseReductionAndProductKernelsGiveTheSameBitsOnAnyThreadCount() {
    Tensor x = Tensor.randomNormal(1, DType.F32, 600, 500);
    Tensor y = Tensor.randomNormal(2, DType.F32, 500);
    Tensor w = Tensor.randomNormal(3, DType.F32, 500, 300);
    identical(() -> x.mul(2).add(1).tanh()); // one long row
    identical(() -> x.mul(y).sub(x.sum(1, true))); // rows with a broadcast row and column
    identical(() -> x.matmul(w)); // Vector API GEMM row tiles
    identical(() -> x.matmul(y)); // batched dots
    Function<Tensor, Tensor> fused = t -> t.mul(y).exp().sum(1);
    identical(() -> Func.jit(fused).apply(x)); // fused map-reduce rows
    BiFunctionCheck.perSample(x, y);
  }

  /** Per-sample gradients, compiled, on one thread and four. */
  static final class BiFunctionCheck {
    static void perSample(Tensor x, Tensor w) {
      java.util.function.BiFunction<Tensor, Tensor, Tensor> loss =
          (ww, e) -> e.dot(ww).sigmoid().log().neg();
      var g = Func.jit(Func.vmap(Func.grad(loss), InDims.of(null, 0)));
      identical(() -> g.apply(w, x));
    }
  }

  @Test
  void threadCountsMustBePositive() {
    assertThatThrownBy(() -> Parallelism.withThreads(0, () -> null))
        .hasMessageContaining("positive");
    assertThat(Parallelism.withThreads(3, Parallelism::threads)).isEqualTo(3);
  }
}
