package org.vmap4j.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.vmap4j.DType;
import org.vmap4j.Func;
import org.vmap4j.Tensor;

/**
 * The F32 exponential ({@link JavaScalarOps#expForFloat}) against Math.exp rounded to float, and
 * F32 tensors' exp (eager and jitted) computing exactly it.
 */
class FloatTranscendentalsTest {
  @Test
  void floatExpWithinOneFloatUlpOfTheRoundedDoubleExp() {
    int checked = 0;
    int differing = 0;
    for (float x = -110f; x < 90f; x = Math.nextUp(x + Math.ulp(x) * 96)) {
      float exact = (float) Math.exp(x);
      float fast = (float) JavaScalarOps.expForFloat(x);
      if (Float.isInfinite(exact) || exact == 0) {
        assertThat(fast).as("x = %s", x).isEqualTo(exact);
      } else {
        assertThat(Math.abs(fast - exact)).as("x = %s", x).isLessThanOrEqualTo(Math.ulp(exact));
      }
      differing += fast == exact ? 0 : 1;
      checked++;
    }
    assertThat(checked).isGreaterThan(10_000_000);
    assertThat(differing).isLessThan(checked / 1000);
  }

  @Test
  void specialValues() {
    assertThat(JavaScalarOps.expForFloat(Double.NaN)).isNaN();
    assertThat(JavaScalarOps.expForFloat(Double.POSITIVE_INFINITY)).isInfinite();
    assertThat(JavaScalarOps.expForFloat(Double.NEGATIVE_INFINITY)).isZero();
    assertThat(JavaScalarOps.expForFloat(0)).isEqualTo(1.0);
    assertThat((float) JavaScalarOps.expForFloat(89)).isEqualTo(Float.POSITIVE_INFINITY);
    assertThat((float) JavaScalarOps.expForFloat(-104)).isEqualTo((float) Math.exp(-104));
  }

  @Test
  void f32TensorExpEagerAndJittedIsTheFloatExp() {
    double[] xs = new double[2001];
    for (int i = 0; i < xs.length; i++) {
      xs[i] = -100 + 0.0937 * i;
    }
    Tensor x = Tensor.of(xs).astype(DType.F32);
    float[] in = x.toFloatArray();
    Function<Tensor, Tensor> exp = Tensor::exp;
    for (Tensor y : new Tensor[] {x.exp(), Func.jit(exp).apply(x)}) {
      assertThat(y.dtype()).isEqualTo(DType.F32);
      float[] got = y.toFloatArray();
      for (int i = 0; i < in.length; i++) {
        assertThat(got[i]).as("x = %s", in[i]).isEqualTo((float) JavaScalarOps.expForFloat(in[i]));
      }
    }
  }
}
