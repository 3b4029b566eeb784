package org.vmap4j.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.vmap4j.DType;
import org.vmap4j.Tensor;

/**
 * The benchmarked code and its baselines compute the same thing, so the ratios compare like with
 * like.
 */
class EagerCoreBenchmarkTest {
  @Test
  void matmulAndTheNaiveLoopAgree() {
    int n = 64;
    Tensor a = Tensor.randomNormal(1, DType.F32, n, n);
    Tensor b = Tensor.randomNormal(2, DType.F32, n, n);
    float[] fast = a.matmul(b).toFloatArray();
    float[] slow = EagerCoreBenchmark.naiveMatmul(a.toFloatArray(), b.toFloatArray(), n);
    for (int i = 0; i < fast.length; i++) {
      assertThat(fast[i]).isCloseTo(slow[i], within(1e-3f));
    }
  }

  @Test
  void chainMatchesAPlainLoop() {
    int n = 1000;
    Tensor[] t = new Tensor[4];
    for (int i = 0; i < 4; i++) {
      t[i] = Tensor.randomNormal(i, DType.F32, n);
    }
    float[] got = EagerCoreBenchmark.chain(t[0], t[1], t[2], t[3]).toFloatArray();
    float[] x = t[0].toFloatArray();
    float[] a = t[1].toFloatArray();
    float[] b = t[2].toFloatArray();
    float[] c = t[3].toFloatArray();
    float[] fused = EagerCoreBenchmark.fusedLoop(x, a, b, c, new float[n]);
    for (int i = 0; i < n; i++) {
      float want = (float) Math.tanh(x[i] * a[i] + b[i]) * c[i];
      assertThat(got[i]).isCloseTo(want, within(1e-6f));
      assertThat(fused[i]).isEqualTo(want);
    }
  }
}
