package org.vmap4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class FactoryTest {
  @Test
  void constructorsCopyAndReportShape() {
    double[] d = {1, 2, 3, 4, 5, 6};
    Tensor t = Tensor.of(d, 2, 3);
    d[0] = 100;
    assertThat(t.toDoubleArray()[0]).isEqualTo(1);
    assertThat(t.shape()).containsExactly(2, 3);
    assertThat(t.ndim()).isEqualTo(2);
    assertThat(t.dtype()).isEqualTo(DType.F64);
    assertThat(Tensor.of(new float[] {1, 2}).shape()).containsExactly(2);
    assertThat(Tensor.scalar(2.5).shape()).isEmpty();
    assertThat(Tensor.scalar(2.5).item()).isEqualTo(2.5);
    assertThatThrownBy(() -> Tensor.of(d, 4, 2)).hasMessageContaining("[4,2]");
  }

  @Test
  void readersNeverExposeStorage() {
    Tensor t = Tensor.of(new float[] {1, 2});
    t.toFloatArray()[0] = 42;
    assertThat(t.toFloatArray()[0]).isEqualTo(1);
  }

  @Test
  void zerosOnesFullEye() {
    assertThat(Tensor.zeros(DType.I32, 2, 2).toIntArray()).containsExactly(0, 0, 0, 0);
    assertThat(Tensor.ones(DType.F32, 3).toFloatArray()).containsExactly(1, 1, 1);
    assertThat(Tensor.full(DType.I64, 7, 2).toLongArray()).containsExactly(7, 7);
    Tensor eye = Tensor.eye(3);
    assertThat(eye.dtype()).isEqualTo(DType.F64);
    for (int i = 0; i < 3; i++) {
      for (int j = 0; j < 3; j++) {
        assertThat(eye.toDoubleArray()[i * 3 + j]).isEqualTo(i == j ? 1 : 0);
      }
    }
  }

  @Test
  void arange() {
    assertThat(Tensor.arange(4).toLongArray()).containsExactly(0, 1, 2, 3);
    assertThat(Tensor.arange(4).dtype()).isEqualTo(DType.I64);
    assertThat(Tensor.arange(0, 1, 0.25).toDoubleArray()).containsExactly(0, 0.25, 0.5, 0.75);
    assertThat(Tensor.arange(3, 0, -1).toDoubleArray()).containsExactly(3, 2, 1);
    assertThat(Tensor.arange(0, 0, 1).size()).isZero();
    assertThatThrownBy(() -> Tensor.arange(0, 1, 0)).hasMessageContaining("step");
  }

  @Test
  void randomIsSeededAndHasTheRightMoments() {
    Tensor a = Tensor.randomNormal(7, DType.F64, 200, 100);
    Tensor b = Tensor.randomNormal(7, DType.F64, 200, 100);
    Tensor c = Tensor.randomNormal(8, DType.F64, 200, 100);
    assertThat(a.toDoubleArray()).containsExactly(b.toDoubleArray());
    assertThat(a.allClose(c, 0, 0)).isFalse();
    double mean = a.mean().item();
    double var = a.sub(mean).square().mean().item();
    // 20000 samples: standard error of the mean is 0.007, of the variance about 0.01
    assertThat(mean).isCloseTo(0, within(0.04));
    assertThat(var).isCloseTo(1, within(0.05));
    Tensor u = Tensor.randomUniform(3, DType.F32, 10000);
    assertThat(u.min().item()).isGreaterThanOrEqualTo(0);
    assertThat(u.max().item()).isLessThan(1);
    assertThat(u.mean().item()).isCloseTo(0.5, within(0.02));
    assertThat(u.dtype()).isEqualTo(DType.F32);
    // element i depends only on (seed, i): a prefix of a longer draw is the shorter draw
    assertThat(Tensor.randomUniform(3, DType.F32, 10).toFloatArray())
        .containsExactly(u.slice(0, 0, 10).toFloatArray());
  }
}
