package org.vmap4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.vmap4j.Func.grad;
import static org.vmap4j.Func.jacfwd;
import static org.vmap4j.Func.jacfwdBoth;
import static org.vmap4j.Func.jacfwdSecond;
import static org.vmap4j.Func.jacfwdWithAux;
import static org.vmap4j.Func.jacrev;
import static org.vmap4j.Func.jacrevBoth;
import static org.vmap4j.Func.jacrevSecond;
import static org.vmap4j.Func.jacrevWithAux;
import static org.vmap4j.Func.jit;
import static org.vmap4j.Func.jvp;
import static org.vmap4j.Func.vjp;
import static org.vmap4j.Func.vjpWithAux;
import static org.vmap4j.Func.vmap;

import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.vmap4j.testing.TensorAssertions;

/**
 * Jacobians of pytree arguments, has_aux for vjp and the Jacobians, and custom rules for functions
 * of pytrees, against central finite differences, closed forms and the plain transforms.
 */
class PytreeTransformsTest {
  record Layer(Tensor w, Tensor b) {}

  static final Tensor X = Tensor.of(new double[] {0.3, -1.2, 0.7});
  static final Layer P =
      new Layer(Tensor.randomNormal(1, DType.F64, 2, 3), Tensor.of(new double[] {0.1, -0.4}));

  /** A function of a record with a [2] result: tanh(W x + b) * b. */
  static Tensor layer(Layer p) {
    return p.w().matmul(X).add(p.b()).tanh().mul(p.b());
  }

  static void assertClose(Tensor got, Tensor want, double tol) {
    TensorAssertions.assertClose(
        "pytree", got, want, TensorAssertions.Tolerance.allClose(tol, tol));
  }

  /** Central differences of f with respect to one leaf: shape out ++ leaf. */
  static Tensor finiteDifferences(Function<Tensor, Tensor> f, Tensor x) {
    double h = 1e-6;
    double[] v = x.toDoubleArray();
    Tensor[] columns = new Tensor[v.length];
    for (int i = 0; i < v.length; i++) {
      double[] up = v.clone();
      double[] down = v.clone();
      up[i] += h;
      down[i] -= h;
      columns[i] =
          f.apply(Tensor.of(up, x.shape()).reshape(x.shape()))
              .sub(f.apply(Tensor.of(down, x.shape()).reshape(x.shape())))
              .div(2 * h);
    }
    Tensor stacked = Tensor.stack(-1, columns); // out ++ [n]
    int[] outShape = java.util.Arrays.copyOf(stacked.shape(), stacked.ndim() - 1);
    int[] full = new int[outShape.length + x.ndim()];
    System.arraycopy(outShape, 0, full, 0, outShape.length);
    System.arraycopy(x.shape(), 0, full, outShape.length, x.ndim());
    return stacked.reshape(full);
  }

  @Test
  void jacobiansOfARecordHaveItsStructureAndMatchFiniteDifferences() {
    Layer jr = jacrev(PytreeTransformsTest::layer).apply(P);
    Layer jf = jacfwd(PytreeTransformsTest::layer).apply(P);
    Tensor dw = finiteDifferences(w -> layer(new Layer(w, P.b())), P.w());
    Tensor db = finiteDifferences(b -> layer(new Layer(P.w(), b)), P.b());
    assertThat(jr.w().shape()).containsExactly(2, 2, 3);
    assertThat(jr.b().shape()).containsExactly(2, 2);
    assertClose(jr.w(), dw, 1e-8);
    assertClose(jr.b(), db, 1e-8);
    assertClose(jf.w(), jr.w(), 1e-14);
    assertClose(jf.b(), jr.b(), 1e-14);
    // chunked: the same numbers
    assertClose(jacrev(PytreeTransformsTest::layer, 1).apply(P).w(), jr.w(), 0);
    assertClose(jacfwd(PytreeTransformsTest::layer, 2).apply(P).w(), jr.w(), 1e-15);
    assertClose(jacfwd(PytreeTransformsTest::layer, 3).apply(P).b(), jr.b(), 1e-15);
  }

  @Test
  void jacobiansOfListsAndMapsAndOfScalarOutputs() {
    Function<List<Tensor>, Tensor> f = l -> l.get(0).mul(l.get(1).sum()).sin().sum();
    List<Tensor> x = List.of(Tensor.of(new double[] {0.2, 0.5}), Tensor.of(new double[] {1, 2, 3}));
    List<Tensor> jr = jacrev(f).apply(x);
    List<Tensor> g = grad(f).apply(x);
    assertClose(jr.get(0), g.get(0), 0); // scalar output: the Jacobian is the gradient
    assertClose(jr.get(1), g.get(1), 0);
    assertClose(jacfwd(f).apply(x).get(1), g.get(1), 1e-14);

    Function<Map<String, Tensor>, Tensor> m = d -> d.get("a").mul(d.get("c")).exp();
    Map<String, Tensor> md = Map.of("a", Tensor.of(new double[] {0.1, 0.2}), "c", Tensor.scalar(3));
    Map<String, Tensor> jm = jacfwd(m).apply(md);
    assertThat(jm.get("c").shape()).containsExactly(2);
    assertClose(
        jm.get("c"),
        finiteDifferences(c -> m.apply(Map.of("a", md.get("a"), "c", c)), md.get("c")),
        1e-7);
    assertClose(jacrev(m).apply(md).get("a"), jm.get("a"), 1e-14);
  }

  @Test
  void tensorJacobiansKeepTheirShapes() {
    Function<Tensor, Tensor> f = v -> v.sin().mul(v.square());
    Tensor x = Tensor.randomNormal(3, DType.F64, 2, 3);
    Tensor jr = jacrev(f).apply(x);
    assertThat(jr.shape()).containsExactly(2, 3, 2, 3);
    assertClose(jr, finiteDifferences(f, x), 1e-8);
    assertClose(jacfwd(f, 4).apply(x), jr, 1e-14);
  }

  @Test
  void biFunctionJacobiansWithArgumentChoices() {
    BiFunction<Layer, Tensor, Tensor> f = (p, x) -> p.w().matmul(x).add(p.b()).tanh();
    Layer first = jacrev(f).apply(P, X);
    Tensor second = jacrevSecond(f).apply(P, X);
    Grads<Layer, Tensor> both = jacrevBoth(f).apply(P, X);
    assertClose(second, finiteDifferences(x -> f.apply(P, x), X), 1e-8);
    assertClose(first.w(), finiteDifferences(w -> f.apply(new Layer(w, P.b()), X), P.w()), 1e-8);
    assertClose(both.first().b(), first.b(), 0);
    assertClose(both.second(), second, 0);
    Grads<Layer, Tensor> fwd = jacfwdBoth(f).apply(P, X);
    assertClose(fwd.first().w(), first.w(), 1e-14);
    assertClose(fwd.second(), second, 1e-14);
    assertClose(jacfwd(f).apply(P, X).b(), first.b(), 1e-14);
    assertClose(jacfwdSecond(f).apply(P, X), second, 1e-14);
  }

  @Test
  void pytreeJacobiansUnderVmapAndJit() {
    Tensor xs = Tensor.randomNormal(5, DType.F64, 4, 3);
    BiFunction<Layer, Tensor, Tensor> f = (p, x) -> p.w().matmul(x).add(p.b()).tanh();
    BiFunction<Layer, Tensor, Layer> perExample = vmap(jacrev(f), InDims.of(null, 0));
    Layer batched = perExample.apply(P, xs);
    Layer compiled = jit(vmap(jacfwd(f), InDims.of(null, 0))).apply(P, xs);
    assertThat(batched.w().shape()).containsExactly(4, 2, 2, 3);
    for (int e = 0; e < 4; e++) {
      Layer one = jacrev(f).apply(P, xs.index(0, e));
      assertClose(batched.w().index(0, e), one.w(), 1e-15);
      assertClose(batched.b().index(0, e), one.b(), 1e-15);
      assertClose(compiled.w().index(0, e), one.w(), 1e-14);
    }
  }

  @Test
  void vjpWithAuxPullsBackTheValueAndPassesTheAuxThrough() {
    Function<Layer, WithAux<Map<String, Tensor>>> f =
        p -> {
          Tensor z = p.w().matmul(X).add(p.b());
          return new WithAux<>(z.tanh(), Map.of("z", z, "norm", z.square().sum()));
        };
    VjpAndAux<Layer, Map<String, Tensor>> r = vjpWithAux(f, P);
    Vjp<Layer, Tensor> plain = vjp((Layer p) -> f.apply(p).value(), P);
    Tensor ct = Tensor.of(new double[] {1.5, -2});
    assertClose(r.value(), plain.value(), 0);
    assertClose(r.pullback(ct).w(), plain.pullback(ct).w(), 0);
    assertClose(r.pullback(ct).b(), plain.pullback(ct).b(), 0);
    assertClose(r.aux().get("z"), P.w().matmul(X).add(P.b()), 0);
    assertThat(r.aux().get("z")).isNotInstanceOf(org.vmap4j.interpreter.Tracer.class);
    // a null aux is passed through as null
    assertThat(vjpWithAux((Tensor x) -> new WithAux<Object>(x.sin(), null), X).aux()).isNull();
  }

  @Test
  void jacobiansWithAuxEqualThePlainJacobians() {
    Function<Layer, WithAux<Tensor>> f =
        p -> {
          Tensor z = p.w().matmul(X).add(p.b());
          return new WithAux<>(z.tanh().mul(p.b()), z);
        };
    Layer plain = jacrev((Layer p) -> f.apply(p).value()).apply(P);
    JacobianAndAux<Layer, Tensor> rev = jacrevWithAux(f).apply(P);
    JacobianAndAux<Layer, Tensor> fwd = jacfwdWithAux(f).apply(P);
    JacobianAndAux<Layer, Tensor> fwdChunked = jacfwdWithAux(f, 2).apply(P);
    Tensor z = P.w().matmul(X).add(P.b());
    for (JacobianAndAux<Layer, Tensor> j : List.of(rev, fwd, fwdChunked)) {
      assertClose(j.jacobian().w(), plain.w(), 1e-14);
      assertClose(j.jacobian().b(), plain.b(), 1e-14);
      assertClose(j.aux(), z, 0);
    }
    assertClose(jacrevWithAux(f, 1).apply(P).jacobian().w(), plain.w(), 0);
    // under vmap: the aux gets the batch dimension like any result
    Tensor xs = Tensor.randomNormal(6, DType.F64, 3, 3);
    Function<Tensor, JacobianAndAux<Tensor, Tensor>> perRow =
        vmap(jacfwdWithAux((Tensor x) -> new WithAux<>(P.w().matmul(x).sin(), x.sum())));
    JacobianAndAux<Tensor, Tensor> rows = perRow.apply(xs);
    assertThat(rows.jacobian().shape()).containsExactly(3, 2, 3);
    assertClose(rows.aux(), xs.sum(1), 1e-15);
    assertClose(
        rows.jacobian().index(0, 1),
        jacrev((Tensor x) -> P.w().matmul(x).sin()).apply(xs.index(0, 1)),
        1e-14);
  }

  // ---------------------------------------------------------------- custom rules for pytrees

  record Pair(Tensor a, Tensor b) {}

  /** softplus(a) * b, with a rule that is the true derivative scaled by 10 (to see it is used). */
  static final Function<Pair, Tensor> SCALED =
      Func.customVjpPytree(
          (Pair p) -> p.a().exp().log1p().mul(p.b()),
          (p, y, g) ->
              new Pair(
                  g.mul(p.b()).mul(p.a().sigmoid()).mul(10), g.mul(p.a().exp().log1p()).mul(10)));

  @Test
  void customVjpOfARecordUsesTheRule() {
    Pair p = new Pair(Tensor.of(new double[] {0.5, -1}), Tensor.of(new double[] {2, 3}));
    Pair g = grad((Pair q) -> SCALED.apply(q).sum()).apply(p);
    Pair truth = grad((Pair q) -> q.a().exp().log1p().mul(q.b()).sum()).apply(p);
    assertClose(g.a(), truth.a().mul(10), 1e-15);
    assertClose(g.b(), truth.b().mul(10), 1e-15);
    // value unchanged, and forward mode ignores the reverse rule
    assertClose(SCALED.apply(p), p.a().exp().log1p().mul(p.b()), 0);
    Tensor jf =
        jvp(SCALED, p, new Pair(Tensor.ones(DType.F64, 2), Tensor.zeros(DType.F64, 2))).tangent();
    assertClose(jf, p.a().sigmoid().mul(p.b()), 1e-15);
    // per-example under vmap(grad), and compiled
    Tensor as = Tensor.randomNormal(7, DType.F64, 4, 2);
    Function<Tensor, Pair> perExample =
        vmap((Tensor a) -> grad((Pair q) -> SCALED.apply(q).sum()).apply(new Pair(a, p.b())));
    Pair batched = perExample.apply(as);
    Pair compiled = jit(perExample).apply(as);
    for (int e = 0; e < 4; e++) {
      Pair one = grad((Pair q) -> SCALED.apply(q).sum()).apply(new Pair(as.index(0, e), p.b()));
      assertClose(batched.a().index(0, e), one.a(), 1e-15);
      assertClose(compiled.b().index(0, e), one.b(), 1e-14);
    }
  }

  @Test
  void customVjpOfAListWithAPytreeResultGetsZeroCotangentsForUnusedOutputs() {
    Function<List<Tensor>, List<Tensor>> f =
        Func.customVjpPytree(
            (List<Tensor> l) -> List.of(l.get(0).mul(l.get(1)), l.get(0).add(l.get(1))),
            (x, y, g) -> List.of(g.get(0).add(g.get(1)).mul(-1), g.get(1).mul(0)));
    List<Tensor> x = List.of(Tensor.of(new double[] {1, 2}), Tensor.of(new double[] {3, 4}));
    // only the first output is used: its rule's cotangent for it is -g0 (g1 arrives as zeros)
    List<Tensor> g = grad((List<Tensor> l) -> f.apply(l).get(0).sum()).apply(x);
    assertClose(g.get(0), Tensor.of(new double[] {-1, -1}), 0);
    assertClose(g.get(1), Tensor.zeros(DType.F64, 2), 0);
  }

  @Test
  void customVjpRuleWithTheWrongStructureIsAClearError() {
    Function<Pair, Tensor> bad =
        Func.customVjpPytree((Pair p) -> p.a().mul(p.b()), (p, y, g) -> new Pair(g, null));
    Pair p = new Pair(Tensor.of(new double[] {1, 2}), Tensor.of(new double[] {3, 4}));
    assertThatThrownBy(() -> grad((Pair q) -> bad.apply(q).sum()).apply(p))
        .hasMessageContaining("customVjpPytree")
        .hasMessageContaining("cotangent its rule returned");
  }

  @Test
  void customVjpPytreeHiddenUnderVmapInsideGradIsAnError() {
    Pair p = new Pair(Tensor.ones(DType.F64, 3, 2), Tensor.ones(DType.F64, 2));
    assertThatThrownBy(
            () ->
                grad((Pair q) ->
                        vmap((Tensor a) -> SCALED.apply(new Pair(a, q.b()))).apply(q.a()).sum())
                    .apply(p))
        .hasMessageContaining("customVjpPytree")
        .hasMessageContaining("innermost");
  }

  @Test
  void customJvpOfARecordUsesTheRuleInJvpAndJacfwd() {
    Function<Pair, Tensor> f =
        Func.customJvpPytree(
            (Pair p) -> p.a().mul(p.b()).sin(),
            // true tangent, doubled
            (p, y, t) -> p.a().mul(p.b()).cos().mul(t.a().mul(p.b()).add(p.a().mul(t.b()))).mul(2));
    Pair p = new Pair(Tensor.of(new double[] {0.5, -1}), Tensor.of(new double[] {2, 3}));
    Pair t = new Pair(Tensor.of(new double[] {1, 0}), Tensor.of(new double[] {0, 1}));
    Tensor truth = jvp((Pair q) -> q.a().mul(q.b()).sin(), p, t).tangent();
    assertClose(jvp(f, p, t).tangent(), truth.mul(2), 1e-15);
    Pair jf = jacfwd(f).apply(p);
    Pair jtrue = jacfwd((Pair q) -> q.a().mul(q.b()).sin()).apply(p);
    assertClose(jf.a(), jtrue.a().mul(2), 1e-15);
    assertClose(jf.b(), jtrue.b().mul(2), 1e-15);
    // reverse mode differentiates f itself
    assertClose(
        grad((Pair q) -> f.apply(q).sum()).apply(p).a(),
        grad((Pair q) -> q.a().mul(q.b()).sin().sum()).apply(p).a(),
        0);
  }
}
