package org.vmap4j.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.vmap4j.Func.cond;
import static org.vmap4j.Func.customVjp;
import static org.vmap4j.Func.grad;
import static org.vmap4j.Func.jvp;
import static org.vmap4j.Func.scan;
import static org.vmap4j.Func.vmap;
import static org.vmap4j.Func.whileLoop;
import static org.vmap4j.control.ControlFlowConformanceTest.assertClose;

import java.util.function.BiFunction;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.vmap4j.DType;
import org.vmap4j.ScanOptions;
import org.vmap4j.ScanResult;
import org.vmap4j.ScanStep;
import org.vmap4j.Tensor;

/** The snippets of docs/core.md, section "Control flow", as written there. */
class ControlFlowDocsExamplesTest {
  @Test
  void condWhileLoopAndScan() {
    Tensor batch = Tensor.of(new double[] {1, 2, -3, -4}, 2, 2);
    Tensor a = Tensor.of(new double[] {2, 9, 0.25}, 3);
    Tensor xs = Tensor.randomNormal(5, DType.F64, 4, 3);
    BiFunction<Tensor, Tensor, ScanStep<Tensor, Tensor>> step =
        (c, x) -> new ScanStep<>(c.mul(x), c);
    Tensor init = Tensor.ones(DType.F64, 3);

    // cond: one of two branches, chosen by a 0-d BOOL predicate; same result structure and types
    Function<Tensor, Tensor> f = x -> cond(x.sum().gt(0), b -> b.sin(), b -> b.square().neg(), x);
    Tensor one = f.apply(Tensor.of(new double[] {1, -0.5}, 2)); // sin: the sum is positive
    Tensor many = vmap(f).apply(batch); // a predicate per example

    // whileLoop: Newton's method for sqrt(a), element-wise, until every residual is small
    Function<Tensor, Tensor> sqrt =
        q ->
            whileLoop(
                y -> y.square().sub(q).abs().max().gt(1e-12),
                y -> y.add(q.div(y)).mul(0.5),
                q.mul(0.0).add(1.0));
    Tensor roots = sqrt.apply(Tensor.of(new double[] {2, 9, 0.25}, 3)); // [1.41421356, 3, 0.5]
    Tensor slopes = jvp(sqrt, a, Tensor.ones(DType.F64, 3)).tangent(); // 1 / (2 sqrt a)

    // scan: fn(carry, x) -> (carry, y) over the leading dimension of xs; ys are stacked
    ScanResult<Tensor, Tensor> r =
        scan(
            (Tensor c, Tensor x) -> new ScanStep<>(c.add(x), c.add(x)),
            Tensor.zeros(DType.F64, 3),
            xs);
    ScanResult<Tensor, Tensor> back = scan(step, init, xs, ScanOptions.defaults().reverse(true));
    ScanResult<Tensor, Object> counted =
        scan(
            (Tensor c, Object none) -> new ScanStep<>(c.mul(2), null),
            one,
            null,
            ScanOptions.defaults().length(10));

    assertClose("cond", one, Tensor.of(new double[] {1, -0.5}, 2).sin());
    assertClose(
        "vmap(cond)",
        many,
        Tensor.stack(0, batch.index(0, 0).sin(), batch.index(0, 1).square().neg()));
    assertClose("roots", roots, Tensor.of(new double[] {Math.sqrt(2), 3, 0.5}, 3));
    assertClose("slopes", slopes, a.sqrt().mul(2).pow(-1.0));
    assertClose("carry", r.carry(), xs.sum(0));
    assertClose("ys row 2", r.ys().index(0, 2), xs.slice(0, 0, 3).sum(0));
    Tensor c = init;
    Tensor[] ys = new Tensor[4];
    for (int t = 3; t >= 0; t--) {
      ys[t] = c;
      c = c.mul(xs.index(0, t));
    }
    assertClose("reverse carry", back.carry(), c);
    assertClose("reverse ys", back.ys(), Tensor.stack(0, ys));
    assertClose("counted", counted.carry(), one.mul(1024));
    assertThat(counted.ys()).isNull();
  }

  @Test
  void implicitDifferentiationOfANewtonSolver() {
    // y^3 + y = a, solved by Newton in a whileLoop; dy/da = 1 / (3y^2 + 1) at the root
    Function<Tensor, Tensor> root =
        customVjp(
            a ->
                whileLoop(
                    y -> y.mul(y).mul(y).add(y).sub(a).abs().max().gt(1e-13),
                    y -> y.sub(y.mul(y).mul(y).add(y).sub(a).div(y.square().mul(3).add(1))),
                    a.mul(0.0)),
            (a, y, g) -> g.div(y.square().mul(3).add(1)));
    Tensor dyda = grad((Tensor a) -> root.apply(a).sum()).apply(Tensor.of(new double[] {2, 10}, 2));

    // y(2) = 1 and y(10) = 2 exactly: dy/da = 1/4 and 1/13
    assertClose("dy/da", dyda, Tensor.of(new double[] {0.25, 1.0 / 13}, 2));
  }
}
