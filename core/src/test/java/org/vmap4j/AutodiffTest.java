package org.vmap4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.vmap4j.Func.customJvp;
import static org.vmap4j.Func.customVjp;
import static org.vmap4j.Func.grad;
import static org.vmap4j.Func.gradBoth;
import static org.vmap4j.Func.gradSecond;
import static org.vmap4j.Func.gradWithAux;
import static org.vmap4j.Func.hessian;
import static org.vmap4j.Func.jacfwd;
import static org.vmap4j.Func.jacrev;
import static org.vmap4j.Func.jvp;
import static org.vmap4j.Func.valueAndGrad;
import static org.vmap4j.Func.vjp;
import static org.vmap4j.Func.vmap;

import java.util.function.BiFunction;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.vmap4j.testing.TensorAssertions;

/** The seed's autodiff cases, every required composition, pytrees, options and errors. */
class AutodiffTest {
  static void assertClose(Tensor got, Tensor want, double tol) {
    TensorAssertions.assertClose(
        "autodiff", got, want, TensorAssertions.Tolerance.allClose(tol, tol));
  }

  @Test
  void seedCase3JacobianOfXSquaredFourWays() {
    int n = 5;
    Tensor x = Tensor.randomNormal(1, DType.F64, n);
    Function<Tensor, Tensor> f = v -> v.pow(2);
    Vjp<Tensor, Tensor> v = vjp(f, x);
    Tensor[] rows = new Tensor[n];
    Tensor eye = Tensor.eye(n);
    for (int i = 0; i < n; i++) {
      rows[i] = v.pullback(eye.index(0, i));
    }
    Tensor sequential = Tensor.stack(0, rows);
    Tensor vmapped = vmap(v::pullback).apply(eye);
    Tensor expected = Tensor.eye(n).mul(x.mul(2));
    assertClose(sequential, expected, 1e-15);
    assertClose(vmapped, sequential, 0);
    assertClose(jacrev(f).apply(x), sequential, 0);
    assertClose(jacfwd(f).apply(x), sequential, 1e-15);
  }

  @Test
  void seedCase4PerSampleGradientsOf64Samples() {
    Tensor weight = Tensor.randomNormal(2, DType.F64, 6, 3);
    Tensor samples = Tensor.randomNormal(3, DType.F64, 64, 6);
    Tensor targets = Tensor.randomNormal(4, DType.F64, 64, 3);
    BiFunction<Tensor, Tensor, Tensor> model = (s, w) -> s.matmul(w).tanh();
    // loss(weight, sample, target) for one sample
    Function<Tensor[], Tensor> perSampleLoss =
        a -> model.apply(a[1], a[0]).sub(a[2]).square().mean();
    BiFunction<Tensor, java.util.List<Tensor>, Tensor> loss =
        (w, st) -> perSampleLoss.apply(new Tensor[] {w, st.get(0), st.get(1)});
    BiFunction<Tensor, java.util.List<Tensor>, Tensor> perSample =
        vmap(grad(loss), InDims.of(null, 0));
    Tensor batched = perSample.apply(weight, java.util.List.of(samples, targets));
    assertThat(batched.shape()).containsExactly(64, 6, 3);
    for (int b = 0; b < 64; b++) {
      Tensor one =
          grad(loss).apply(weight, java.util.List.of(samples.index(0, b), targets.index(0, b)));
      assertClose(batched.index(0, b), one, 1e-14);
    }
  }

  @Test
  void gradOfGradIsTheSecondDerivative() {
    Function<Tensor, Tensor> f = x -> x.sin().mul(x.square()).sum();
    Tensor x = Tensor.of(new double[] {0.3, -1.1, 2.4});
    Tensor second = grad((Tensor v) -> grad(f).apply(v).sum()).apply(x);
    // d2/dx2 sin(x) x^2 = (2 - x^2) sin x + 4 x cos x
    Tensor want = x.square().neg().add(2).mul(x.sin()).add(x.mul(4).mul(x.cos()));
    assertClose(second, want, 1e-13);
    assertClose(hessian(f).apply(x), Tensor.eye(3).mul(want), 1e-13);
  }

  @Test
  void jacfwdOfJacrevAndHessianOfAQuadraticForm() {
    Tensor a = Tensor.randomNormal(5, DType.F64, 4, 4);
    Function<Tensor, Tensor> q = x -> x.dot(a.matmul(x));
    Tensor x = Tensor.randomNormal(6, DType.F64, 4);
    Tensor h = jacfwd(jacrev(q)).apply(x);
    assertClose(h, a.add(a.transpose()), 1e-13);
    assertClose(jacrev(jacrev(q)).apply(x), h, 1e-13);
  }

  @Test
  void vmapOfJacrevAndVmapOfPullback() {
    Tensor xs = Tensor.randomNormal(7, DType.F64, 3, 4);
    Function<Tensor, Tensor> f = x -> x.sin().mul(x.sum());
    Tensor batched = vmap(jacrev(f)).apply(xs);
    for (int b = 0; b < 3; b++) {
      assertClose(batched.index(0, b), jacrev(f).apply(xs.index(0, b)), 1e-14);
    }
    Vjp<Tensor, Tensor> v = vjp(f, xs.index(0, 0));
    Tensor cts = Tensor.randomNormal(8, DType.F64, 5, 4);
    Tensor pulled = vmap(v::pullback).apply(cts);
    for (int b = 0; b < 5; b++) {
      assertClose(pulled.index(0, b), v.pullback(cts.index(0, b)), 1e-14);
    }
  }

  @Test
  void gradOfAFunctionThatClosesOverAVmappedValue() {
    Tensor w0 = Tensor.randomNormal(9, DType.F64, 3);
    Tensor xs = Tensor.randomNormal(10, DType.F64, 4, 3);
    Function<Tensor, Tensor> perRow = x -> grad((Tensor w) -> w.mul(x).sin().sum()).apply(w0);
    Tensor got = vmap(perRow).apply(xs);
    Tensor want = xs.mul(w0).cos().mul(xs);
    assertClose(got, want, 1e-14);
  }

  @Test
  void vmapInsideGrad() {
    Tensor w = Tensor.randomNormal(11, DType.F64, 3);
    Tensor xs = Tensor.randomNormal(12, DType.F64, 5, 3);
    Function<Tensor, Tensor> total = ww -> vmap((Tensor x) -> x.dot(ww).tanh()).apply(xs).sum();
    Tensor got = grad(total).apply(w);
    Tensor z = xs.matmul(w);
    Tensor want = xs.mul(z.tanh().square().neg().add(1).unsqueeze(1)).sum(0);
    assertClose(got, want, 1e-14);
  }

  record Params(Tensor w, Tensor b) {}

  @Test
  void gradientsHaveTheArgumentsStructure() {
    Params p = new Params(Tensor.of(new double[] {0.5, -0.25}), Tensor.scalar(0.1));
    Tensor x = Tensor.of(new double[] {2, 3});
    Function<Params, Tensor> loss = q -> x.dot(q.w()).add(q.b()).sigmoid();
    Params g = grad(loss).apply(p);
    double s = 1 / (1 + Math.exp(-(2 * 0.5 - 3 * 0.25 + 0.1)));
    double ds = s * (1 - s);
    assertThat(g.w().toDoubleArray())
        .containsExactly(
            new double[] {2 * ds, 3 * ds}, org.assertj.core.api.Assertions.within(1e-15));
    assertThat(g.b().item()).isCloseTo(ds, org.assertj.core.api.Assertions.within(1e-15));
    ValueAndGrad<Params> vg = valueAndGrad(loss).apply(p);
    assertThat(vg.value().item()).isCloseTo(s, org.assertj.core.api.Assertions.within(1e-15));
  }

  @Test
  void argnumsAndAux() {
    BiFunction<Tensor, Tensor, Tensor> f = (a, b) -> a.mul(b.square()).sum();
    Tensor a = Tensor.of(new double[] {1, 2});
    Tensor b = Tensor.of(new double[] {3, 4});
    assertClose(grad(f).apply(a, b), b.square(), 0);
    assertClose(gradSecond(f).apply(a, b), a.mul(b).mul(2), 0);
    Grads<Tensor, Tensor> both = gradBoth(f).apply(a, b);
    assertClose(both.first(), b.square(), 0);
    assertClose(both.second(), a.mul(b).mul(2), 0);
    GradAndAux<Tensor, Tensor> ga =
        gradWithAux((Tensor x) -> new WithAux<>(x.square().sum(), x.mul(10))).apply(a);
    assertClose(ga.grad(), a.mul(2), 0);
    assertClose(ga.aux(), a.mul(10), 0);
  }

  @Test
  void jvpGivesValueAndDirectionalDerivative() {
    Tensor x = Tensor.of(new double[] {0.1, 0.2});
    Tensor t = Tensor.of(new double[] {1, -1});
    Jvp<Tensor> j = jvp((Tensor v) -> v.exp().mul(v), x, t);
    assertClose(j.value(), x.exp().mul(x), 0);
    assertClose(j.tangent(), x.exp().mul(x.add(1)).mul(t), 1e-15);
  }

  @Test
  void gradNeedsAScalarResultAndSaysSo() {
    assertThatThrownBy(() -> grad((Tensor v) -> v.mul(2)).apply(Tensor.zeros(DType.F32, 3)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("scalar")
        .hasMessageContaining("f32[3]")
        .hasMessageContaining("jacrev");
    assertThatThrownBy(
            () ->
                vjp((Tensor v) -> v.mul(2), Tensor.zeros(DType.F64, 3))
                    .pullback(Tensor.zeros(DType.F64, 4)))
        .hasMessageContaining("f64[4]")
        .hasMessageContaining("f64[3]");
  }

  @Test
  void customVjpReplacesTheReverseDerivativeAndComposes() {
    // softplus with a hand-written stable derivative; the forward value is unchanged
    Function<Tensor, Tensor> softplus =
        customVjp(x -> x.relu().add(x.abs().neg().exp().log1p()), (x, y, g) -> g.mul(x.sigmoid()));
    Tensor x = Tensor.of(new double[] {-800, -1, 0.5, 800});
    Tensor g = grad((Tensor v) -> softplus.apply(v).sum()).apply(x);
    assertClose(g, x.sigmoid(), 1e-15);
    // the rule is really used: a deliberately different rule changes the gradient
    Function<Tensor, Tensor> scaled = customVjp(Tensor::sin, (v, y, ct) -> ct.mul(3));
    assertClose(
        grad((Tensor v) -> scaled.apply(v).sum()).apply(x), Tensor.full(DType.F64, 3, 4), 0);
    // and it composes with vmap outside: per-example gradients use the rule
    Tensor xs = Tensor.randomNormal(13, DType.F64, 3, 2);
    Tensor per = vmap(grad((Tensor v) -> scaled.apply(v).sum())).apply(xs);
    assertClose(per, Tensor.full(DType.F64, 3, 3, 2), 0);
    // grad of a vmap that calls it would skip the rule silently: an error instead
    assertThatThrownBy(() -> grad((Tensor v) -> vmap(scaled).apply(v).sum()).apply(xs))
        .isInstanceOf(UnsupportedOperationException.class)
        .hasMessageContaining("customVjp")
        .hasMessageContaining("innermost");
  }

  @Test
  void customJvpReplacesTheForwardDerivative() {
    Function<Tensor, Tensor> f = customJvp(Tensor::exp, (x, y, t) -> t.mul(5));
    Tensor x = Tensor.of(new double[] {0.1, 0.2});
    assertClose(jvp(f, x, Tensor.ones(DType.F64, 2)).tangent(), Tensor.full(DType.F64, 5, 2), 0);
    assertClose(jacfwd(f).apply(x), Tensor.eye(2).mul(5), 0);
  }

  /**
   * Integer leaves of a differentiated argument are refused (they used to get silent zero
   * gradients; see IntegerDifferentiationTest); integer indices passed as an argument that is not
   * differentiated work.
   */
  @Test
  void integerInputsAreRefusedUnlessNotDifferentiated() {
    Function<java.util.List<Tensor>, Tensor> f = l -> l.get(0).index(0, l.get(1)).sum();
    java.util.List<Tensor> both =
        java.util.List.of(Tensor.of(new double[] {1, 2, 3}), Tensor.of(new long[] {2, 2, 0}));
    assertThatThrownBy(() -> grad(f).apply(both))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("argument 0 [1], a tensor of dtype I64");
    BiFunction<Tensor, Tensor, Tensor> g = (x, idx) -> x.index(0, idx).sum();
    assertThat(grad(g).apply(both.get(0), both.get(1)).toDoubleArray()).containsExactly(1, 0, 2);
  }

  @Test
  void jacrevChunkingGivesTheSameJacobian() {
    Function<Tensor, Tensor> f = x -> x.softmax(0).mul(x.sum());
    Tensor x = Tensor.randomNormal(14, DType.F64, 7);
    assertClose(jacrev(f, 2).apply(x), jacrev(f).apply(x), 0);
  }
}
