package org.vmap4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.vmap4j.Func.grad;
import static org.vmap4j.Func.gradSecond;
import static org.vmap4j.Func.jit;
import static org.vmap4j.Func.jvp;
import static org.vmap4j.Func.vmap;

import java.util.function.BiFunction;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The derivatives of {@code a^b} where the textbook formulas meet 0 * inf: at a = 0 with b = 0 the
 * base partial is 0 (a^0 is the constant 1), and the exponent partial a^b log(a) is 0 at a = 0 for
 * b >= 0. Expected values are PyTorch 1.13's (checked with functorch's grad) and the closed forms.
 */
class PowDerivativeTest {
  private static final double INF = Double.POSITIVE_INFINITY;

  @Test
  void zerothPowerHasZeroDerivativeAtZeroEagerJitAndForwardMode() {
    Function<Tensor, Tensor> f = x -> x.pow(0.0);
    Tensor zero = Tensor.scalar(0.0);
    assertThat(grad(f).apply(zero).item()).isEqualTo(0.0);
    assertThat(jit(grad(f)).apply(zero).item()).isEqualTo(0.0);
    assertThat(jvp(f, zero, Tensor.scalar(1.0)).tangent().item()).isEqualTo(0.0);
    // the other exponents keep the formula's value at 0, infinities included (as PyTorch)
    assertThat(grad((Tensor x) -> x.pow(1.0)).apply(zero).item()).isEqualTo(1.0);
    assertThat(grad((Tensor x) -> x.pow(2.0)).apply(zero).item()).isEqualTo(0.0);
    assertThat(grad((Tensor x) -> x.pow(0.5)).apply(zero).item()).isEqualTo(INF);
    assertThat(grad((Tensor x) -> x.pow(-1.0)).apply(zero).item()).isEqualTo(-INF);
  }

  @Test
  void polynomialFeaturesUnderVmapOfGradAreFiniteAtZero() {
    // d/dx sum_k x^k for k = 0..3 is 1 + 2x + 3x^2: 1, 6, 17 at x = 0, 1, 2
    Function<Tensor, Tensor> features = x -> x.pow(Tensor.arange(4).astype(DType.F64)).sum();
    Tensor xs = Tensor.of(new double[] {0, 1, 2}, 3);
    double[] want = {1, 6, 17};
    assertThat(vmap(grad(features)).apply(xs).toDoubleArray()).containsExactly(want);
    assertThat(jit(vmap(grad(features))).apply(xs).toDoubleArray()).containsExactly(want);
    assertThat(vmap(jit(grad(features))).apply(xs).toDoubleArray()).containsExactly(want);
  }

  @Test
  void exponentPartialAtZeroBaseMatchesPyTorch() {
    BiFunction<Tensor, Tensor, Tensor> pow = Tensor::pow;
    double[] bases = {0, 0, 0, 2, -2};
    double[] exponents = {0, 2, -1, 3, 2};
    // torch: 0, 0, -inf (inf * log 0), 8 log 2, NaN (log of a negative base)
    double[] want = {0, 0, -INF, 8 * Math.log(2), Double.NaN};
    for (int i = 0; i < bases.length; i++) {
      Tensor a = Tensor.scalar(bases[i]);
      Tensor b = Tensor.scalar(exponents[i]);
      assertThat(gradSecond(pow).apply(a, b).item())
          .as("d/db %s^%s", bases[i], exponents[i])
          .isEqualTo(Double.valueOf(want[i]));
      assertThat(jit(gradSecond(pow)).apply(a, b).item())
          .as("jit d/db %s^%s", bases[i], exponents[i])
          .isEqualTo(Double.valueOf(want[i]));
    }
    // both partials at once at (0, 0): (0, 0), as torch
    Grads<Tensor, Tensor> both = Func.gradBoth(pow).apply(Tensor.scalar(0.0), Tensor.scalar(0.0));
    assertThat(both.first().item()).isEqualTo(0.0);
    assertThat(both.second().item()).isEqualTo(0.0);
  }
}
