package org.vmap4j.compiler;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.vmap4j.DType;
import org.vmap4j.Func;
import org.vmap4j.InDims;
import org.vmap4j.ScanOptions;
import org.vmap4j.ScanResult;
import org.vmap4j.ScanStep;
import org.vmap4j.Tensor;
import org.vmap4j.TensorType;
import org.vmap4j.ir.Equation;
import org.vmap4j.ir.Program;
import org.vmap4j.prim.Scan;
import org.vmap4j.testing.TensorAssertions;
import org.vmap4j.testing.TensorAssertions.Tolerance;

/**
 * The compiler moves a scan carry that only sums expanding products ({@code acc + outer(l_t, r_t)},
 * as reverse-mode scans accumulate per-example weight gradients) out of the loop as one product of
 * the stacked factors: the results must not change, the carry must be gone where the rule applies
 * and stay where it does not. References: a plain Java backpropagation through time, and the same
 * function run eagerly (without the compiler).
 */
class ScanAccumulatorsTest {
  /** The control-flow tests' tolerance: {@code 1e-9 * max(1, |want|)}; NaN or infinity fails. */
  private static void assertClose(String what, Tensor got, Tensor want) {
    TensorAssertions.assertClose(what, got, want, Tolerance.scaled(1e-9).finiteOnly());
  }

  static final int B = 3;
  static final int T = 5;
  static final int N = 4;

  /** The carry types of every top-level scan of the optimized program of {@code f} at {@code x}. */
  static List<TensorType> scanCarries(Program traced) {
    Program p = ProgramCompiler.optimize(traced);
    List<TensorType> out = new ArrayList<>();
    for (Equation e : p.equations()) {
      if (e.primitive() == Scan.SCAN) {
        int n = e.params().integer("num_carry");
        out.addAll(e.params().program("body").inputTypes().subList(0, n));
      }
    }
    return out;
  }

  /** {@code h' = tanh(W h + x_t)} from zero; the loss is the sum of the last state. */
  static Tensor rnnLoss(Tensor w, Tensor xs) {
    Tensor h0 = Tensor.zeros(DType.F64, N);
    ScanResult<Tensor, Tensor> r =
        Func.scan((Tensor h, Tensor x) -> new ScanStep<>(w.matmul(h).add(x).tanh(), h), h0, xs);
    return r.carry().sum();
  }

  /** Per-example dLoss/dW by a plain backward pass through time over {@code double[]}. */
  static double[] plainPerExampleGradient(double[] w, double[] xs) {
    double[] out = new double[B * N * N];
    for (int b = 0; b < B; b++) {
      double[][] h = new double[T + 1][N];
      for (int t = 0; t < T; t++) {
        for (int i = 0; i < N; i++) {
          double z = xs[(b * T + t) * N + i];
          for (int j = 0; j < N; j++) {
            z += w[i * N + j] * h[t][j];
          }
          h[t + 1][i] = Math.tanh(z);
        }
      }
      double[] g = new double[N];
      java.util.Arrays.fill(g, 1.0);
      for (int t = T - 1; t >= 0; t--) {
        double[] delta = new double[N];
        for (int i = 0; i < N; i++) {
          delta[i] = g[i] * (1 - h[t + 1][i] * h[t + 1][i]);
          for (int j = 0; j < N; j++) {
            out[(b * N + i) * N + j] += delta[i] * h[t][j];
          }
        }
        double[] prev = new double[N];
        for (int j = 0; j < N; j++) {
          for (int i = 0; i < N; i++) {
            prev[j] += w[i * N + j] * delta[i];
          }
        }
        g = prev;
      }
    }
    return out;
  }

  @Test
  void perExampleRecurrentWeightGradientsMatchAPlainBackwardPassWithTheCarryMovedOut() {
    Tensor w = Tensor.randomNormal(1, DType.F64, N, N).mul(0.5);
    Tensor xs = Tensor.randomNormal(2, DType.F64, B, T, N);
    BiFunction<Tensor, Tensor, Tensor> perExample =
        Func.vmap(Func.grad(ScanAccumulatorsTest::rnnLoss), InDims.of(null, 0));
    Tensor want =
        Tensor.of(plainPerExampleGradient(w.toDoubleArray(), xs.toDoubleArray()), B, N, N);
    assertClose("jit", Func.jit(perExample).apply(w, xs), want);
    assertClose("eager", perExample.apply(w, xs), want);
    // the per-example [B, N, N] gradient is no longer carried through the backward scan
    assertThat(scanCarries(Func.trace(perExample, w, xs)))
        .doesNotContain(new TensorType(DType.F64, B, N, N));
  }

  /** {@code Σ_t x_t ⊗ x_t} as a scan carry, added as {@code acc + product} or the other way. */
  static Function<Tensor, Tensor> sumOfOuterProducts(boolean accFirst, boolean reverse) {
    return xs -> {
      Tensor init = Tensor.zeros(DType.F64, N, N).add(1);
      return Func.scan(
              (Tensor acc, Tensor x) -> {
                Tensor outer = x.unsqueeze(1).matmul(x.mul(2).unsqueeze(0)).transpose();
                return new ScanStep<Tensor, Tensor>(
                    accFirst ? acc.add(outer) : outer.add(acc), null);
              },
              init,
              xs,
              ScanOptions.defaults().reverse(reverse))
          .carry();
    };
  }

  @Test
  void aForwardSumOfOuterProductsMovesOutInEitherOperandOrderAndDirection() {
    Tensor xs = Tensor.randomNormal(3, DType.F64, T, N);
    double[] x = xs.toDoubleArray();
    double[] plain = new double[N * N];
    for (int t = 0; t < T; t++) {
      for (int i = 0; i < N; i++) {
        for (int j = 0; j < N; j++) {
          plain[j * N + i] += x[t * N + i] * 2 * x[t * N + j]; // transposed
        }
      }
    }
    for (int i = 0; i < plain.length; i++) {
      plain[i] += 1;
    }
    Tensor want = Tensor.of(plain, N, N);
    for (boolean accFirst : new boolean[] {true, false}) {
      for (boolean reverse : new boolean[] {false, true}) {
        Function<Tensor, Tensor> f = sumOfOuterProducts(accFirst, reverse);
        String what = "accFirst=" + accFirst + " reverse=" + reverse;
        assertClose(what, Func.jit(f).apply(xs), want);
        assertThat(scanCarries(Func.trace(f, xs))).as(what).isEmpty();
      }
    }
  }

  @Test
  void anAccumulatorTheBodyAlsoReadsStaysInTheLoop() {
    Tensor xs = Tensor.randomNormal(4, DType.F64, T, N);
    Function<Tensor, ScanResult<Tensor, Tensor>> f =
        v ->
            Func.scan(
                (Tensor acc, Tensor x) ->
                    new ScanStep<>(acc.add(x.unsqueeze(1).matmul(x.unsqueeze(0))), acc.sum()),
                Tensor.zeros(DType.F64, N, N),
                v);
    ScanResult<Tensor, Tensor> got = Func.jit(f).apply(xs);
    ScanResult<Tensor, Tensor> eager = f.apply(xs);
    assertClose("carry", got.carry(), eager.carry());
    assertClose("ys", got.ys(), eager.ys());
    assertThat(scanCarries(Func.trace(f, xs))).containsExactly(new TensorType(DType.F64, N, N));
  }

  @Test
  void aSumOfProductsSmallerThanTheirFactorsStaysInTheLoop() {
    // [N, 8] x [8, N]: each product (N*N) is smaller than its factors (2*8*N), so stacking the
    // factors over the steps would take more memory than the loop: the carry stays
    Tensor xs = Tensor.randomNormal(5, DType.F64, T, N, 8);
    Tensor m = Tensor.randomNormal(6, DType.F64, 8, N);
    Function<Tensor, Tensor> f =
        v ->
            Func.scan(
                    (Tensor acc, Tensor x) ->
                        new ScanStep<Tensor, Tensor>(acc.add(x.matmul(m)), null),
                    Tensor.zeros(DType.F64, N, N),
                    v)
                .carry();
    assertClose("carry", Func.jit(f).apply(xs), f.apply(xs));
    assertThat(scanCarries(Func.trace(f, xs))).containsExactly(new TensorType(DType.F64, N, N));
  }
}
