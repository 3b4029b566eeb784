package org.vmap4j.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.vmap4j.control.ControlFlowConformanceTest.assertClose;

import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.vmap4j.DType;
import org.vmap4j.Func;
import org.vmap4j.Tensor;

/**
 * A Newton solver in a whileLoop, differentiated by the implicit function theorem through a custom
 * rule: the root y(a) of g(y, a) = y^3 + y - a = 0 has dy/da = -(dg/da) / (dg/dy) = 1 / (3y^2 + 1),
 * so neither reverse mode (which whileLoop does not support) nor the iterations are needed.
 */
class ImplicitDifferentiationTest {
  /** Newton's method for y^3 + y = a, element-wise, until every residual is below 1e-13. */
  static Tensor solve(Tensor a) {
    List<Tensor> out =
        Func.whileLoop(
            (List<Tensor> s) ->
                Tensor.where(
                    s.get(1).lt(100),
                    residual(s.get(0), a).abs().max().gt(1e-13),
                    Tensor.of(new boolean[] {false}).reshape()),
            (List<Tensor> s) -> {
              Tensor y = s.get(0);
              Tensor step = residual(y, a).div(y.square().mul(3).add(1));
              return List.of(y.sub(step), s.get(1).add(Tensor.scalar(DType.I32, 1)));
            },
            List.of(a.mul(0.0), Tensor.scalar(DType.I32, 0)));
    return out.get(0);
  }

  static Tensor residual(Tensor y, Tensor a) {
    return y.mul(y).mul(y).add(y).sub(a);
  }

  /**
   * dy/da = 1 / (dg/dy) at the root, applied to a cotangent or a tangent alike (it is diagonal).
   */
  static Tensor implicitDerivative(Tensor a, Tensor y, Tensor g) {
    return g.div(y.square().mul(3).add(1));
  }

  static final Function<Tensor, Tensor> ROOT_VJP =
      Func.customVjp(
          ImplicitDifferentiationTest::solve, ImplicitDifferentiationTest::implicitDerivative);
  static final Function<Tensor, Tensor> ROOT_JVP =
      Func.customJvp(
          ImplicitDifferentiationTest::solve, ImplicitDifferentiationTest::implicitDerivative);

  @Test
  void theRootSolvesTheEquation() {
    Tensor a = Tensor.of(new double[] {-3, 0.5, 2, 10}, 4);
    Tensor y = solve(a);
    assertClose("residual", residual(y, a), Tensor.zeros(DType.F64, 4));
  }

  @Test
  void reverseModeThroughTheSolverComesFromTheImplicitFunctionTheorem() {
    Tensor a = Tensor.of(new double[] {-3, 0.5, 2, 10}, 4);
    Tensor grad = Func.grad((Tensor x) -> ROOT_VJP.apply(x).sum()).apply(a);
    // independent check: central finite differences of the solver itself
    double eps = 1e-6;
    Tensor fd = solve(a.add(eps)).sub(solve(a.sub(eps))).div(2 * eps);
    double[] g = grad.toDoubleArray();
    double[] f = fd.toDoubleArray();
    for (int i = 0; i < g.length; i++) {
      assertThat(Math.abs(g[i] - f[i])).as("element %d", i).isLessThan(1e-7);
    }
    // and per example under vmap, a batch of scalar solves
    Tensor perExample = Func.vmap(Func.grad((Tensor x) -> ROOT_VJP.apply(x))).apply(a);
    assertClose("vmap(grad)", perExample, grad);
  }

  @Test
  void forwardModeByTheRuleEqualsForwardModeThroughTheIterations() {
    Tensor a = Tensor.of(new double[] {-3, 0.5, 2, 10}, 4);
    Tensor direction = Tensor.ones(DType.F64, 4);
    Tensor byRule = Func.jvp(ROOT_JVP, a, direction).tangent();
    Tensor throughIterations = Func.jvp(ImplicitDifferentiationTest::solve, a, direction).tangent();
    double[] r = byRule.toDoubleArray();
    double[] t = throughIterations.toDoubleArray();
    for (int i = 0; i < r.length; i++) {
      assertThat(Math.abs(r[i] - t[i])).as("element %d", i).isLessThan(1e-10);
    }
  }
}
