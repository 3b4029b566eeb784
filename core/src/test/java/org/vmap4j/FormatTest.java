package org.vmap4j;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FormatTest {
  @Test
  void smallTensorsPrintLikeNumPy() {
    assertThat(Tensor.of(new double[] {1, 2.5, -3, 4}, 2, 2).toString())
        .isEqualTo("tensor([[ 1., 2.5],\n        [-3.,  4.]], dtype=f64)");
    assertThat(Tensor.scalar(DType.F32, 0.1).toString()).isEqualTo("tensor(0.1, dtype=f32)");
    assertThat(Tensor.of(new boolean[] {true, false}).toString())
        .isEqualTo("tensor([ true, false], dtype=bool)");
    assertThat(Tensor.of(new double[] {Double.NaN, Double.NEGATIVE_INFINITY}).toString())
        .isEqualTo("tensor([ nan, -inf], dtype=f64)");
  }

  @Test
  void largeTensorsAreSummarized() {
    String s = Tensor.arange(2000).toString();
    assertThat(s).isEqualTo("tensor([   0,    1,    2, ..., 1997, 1998, 1999], dtype=i64)");
    String m = Tensor.zeros(DType.F32, 100, 100).toString();
    assertThat(m.lines().count()).isEqualTo(7);
    assertThat(m).contains("...");
  }
}
