package org.vmap4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.vmap4j.Func.grad;
import static org.vmap4j.Func.jit;
import static org.vmap4j.Func.jvp;
import static org.vmap4j.Func.vmap;

import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * max and min reductions over slices holding NaN: the value is NaN and the derivative goes to the
 * NaN elements (shared evenly among several), as PyTorch 1.13's {@code max()}/{@code min()} do;
 * without NaN, ties share it evenly. Expected gradients are PyTorch's (functorch grad, F64).
 */
class NanExtremaTest {
  private static final double NAN = Double.NaN;
  private static final Function<Tensor, Tensor> MAX = t -> t.max();
  private static final Function<Tensor, Tensor> MIN = t -> t.min();

  private static final double[][] ROWS = {
    {1, NAN, 3}, {NAN, 2, NAN}, {3, 3, 1}, {NAN, NAN, NAN}, {1, 3, NAN}
  };

  /** torch's grad of t.max() for each row of ROWS. */
  private static final double[][] MAX_GRADS = {
    {0, 1, 0}, {0.5, 0, 0.5}, {0.5, 0.5, 0}, {1 / 3.0, 1 / 3.0, 1 / 3.0}, {0, 0, 1}
  };

  /** torch's grad of t.min() for each row of ROWS. */
  private static final double[][] MIN_GRADS = {
    {0, 1, 0}, {0.5, 0, 0.5}, {0, 0, 1}, {1 / 3.0, 1 / 3.0, 1 / 3.0}, {0, 0, 1}
  };

  private static Tensor matrix() {
    double[] flat = new double[ROWS.length * 3];
    for (int i = 0; i < ROWS.length; i++) {
      System.arraycopy(ROWS[i], 0, flat, 3 * i, 3);
    }
    return Tensor.of(flat, ROWS.length, 3);
  }

  private static double[] flat(double[][] rows) {
    double[] out = new double[rows.length * 3];
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(rows[i], 0, out, 3 * i, 3);
    }
    return out;
  }

  @Test
  void fullReductionGradientGoesToTheNanEagerAndJit() {
    for (int i = 0; i < ROWS.length; i++) {
      Tensor x = Tensor.of(ROWS[i], 3);
      assertThat(grad(MAX).apply(x).toDoubleArray()).as("max %d", i).containsExactly(MAX_GRADS[i]);
      assertThat(jit(grad(MAX)).apply(x).toDoubleArray())
          .as("jit max %d", i)
          .containsExactly(MAX_GRADS[i]);
      assertThat(grad(MIN).apply(x).toDoubleArray()).as("min %d", i).containsExactly(MIN_GRADS[i]);
      assertThat(jit(grad(MIN)).apply(x).toDoubleArray())
          .as("jit min %d", i)
          .containsExactly(MIN_GRADS[i]);
    }
  }

  @Test
  void valuesAreNanWhereASliceHoldsNan() {
    Tensor m = matrix();
    double[] max = {NAN, NAN, 3, NAN, NAN};
    double[] min = {NAN, NAN, 1, NAN, NAN};
    assertThat(m.max(1).toDoubleArray()).containsExactly(max);
    assertThat(jit((Tensor t) -> t.max(1)).apply(m).toDoubleArray()).containsExactly(max);
    assertThat(vmap((Tensor t) -> t.max()).apply(m).toDoubleArray()).containsExactly(max);
    assertThat(m.min(1).toDoubleArray()).containsExactly(min);
    assertThat(jit(vmap((Tensor t) -> t.min())).apply(m).toDoubleArray()).containsExactly(min);
    assertThat(m.max().toDoubleArray()).containsExactly(NAN);
  }

  @Test
  void perDimAndPerExampleGradientsGoToTheNanUnderVmapAndJit() {
    Tensor m = matrix();
    Function<Tensor, Tensor> rowMax = t -> t.max(1).sum();
    Function<Tensor, Tensor> rowMin = t -> t.min(1).sum();
    assertThat(grad(rowMax).apply(m).toDoubleArray()).containsExactly(flat(MAX_GRADS));
    assertThat(jit(grad(rowMin)).apply(m).toDoubleArray()).containsExactly(flat(MIN_GRADS));
    assertThat(vmap(grad(MAX)).apply(m).toDoubleArray()).containsExactly(flat(MAX_GRADS));
    assertThat(jit(vmap(grad(MIN))).apply(m).toDoubleArray()).containsExactly(flat(MIN_GRADS));
  }

  @Test
  void forwardModeTakesTheTangentOfTheNan() {
    // the directional derivative along t is the gradient dotted with t
    Tensor x = Tensor.of(new double[] {NAN, 2, NAN}, 3);
    Tensor t = Tensor.of(new double[] {10, 100, 1000}, 3);
    assertThat(jvp(MAX, x, t).tangent().item()).isEqualTo(505.0);
    assertThat(jvp(MIN, Tensor.of(new double[] {1, NAN, 3}, 3), t).tangent().item())
        .isEqualTo(100.0);
  }
}
