package org.vmap4j.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.vmap4j.Func.grad;
import static org.vmap4j.Func.gradSecond;
import static org.vmap4j.Func.vmap;

import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.vmap4j.DType;
import org.vmap4j.Func;
import org.vmap4j.Tensor;
import org.vmap4j.compiler.ProgramCompiler;
import org.vmap4j.cpu.CpuTensor;
import org.vmap4j.ir.Program;

/**
 * Derivatives at the values where a formula meets 0 * inf or NaN (pow at a zero base, max/min over
 * NaN), lowered to PTX and run by the test PTX interpreter: the kernels give PyTorch's numbers, the
 * same as the CPU.
 */
class EdgeValueKernelsTest {
  private static final double INF = Double.POSITIVE_INFINITY;
  private static final double NAN = Double.NaN;

  @Test
  void polynomialFeatureGradientsAtZeroAreFinite() {
    for (DType t : List.of(DType.F32, DType.F64)) {
      // d/dx sum_k x^k for k = 0..3 is 1 + 2x + 3x^2
      Function<Tensor, Tensor> f =
          vmap(grad((Tensor x) -> x.pow(Tensor.arange(4).astype(x.dtype())).sum()));
      Tensor xs = Tensor.of(new double[] {0, 1, 2}, 3).astype(t);
      assertThat(run(Func.trace(f, xs), xs)).as("%s", t).containsExactly(1, 6, 17);
    }
  }

  @Test
  void exponentPartialAtZeroBaseIsPyTorchs() {
    for (DType t : List.of(DType.F32, DType.F64)) {
      BiFunction<Tensor, Tensor, Tensor> f = vmap(gradSecond(Tensor::pow));
      Tensor a = Tensor.of(new double[] {0, 0, 0, 0, -2}, 5).astype(t);
      Tensor b = Tensor.of(new double[] {0, 2, 0.5, -1, 2}, 5).astype(t);
      double[] got = run(Func.trace(f, a, b), a, b);
      assertThat(got).as("%s", t).containsExactly(0, 0, 0, -INF, NAN);
    }
  }

  @Test
  void baseDerivativeOfTheZerothPowerIsZero() {
    for (DType t : List.of(DType.F32, DType.F64)) {
      Function<Tensor, Tensor> f = vmap(grad((Tensor x) -> x.pow(0.0)));
      Tensor xs = Tensor.of(new double[] {0, -3, 5}, 3).astype(t);
      assertThat(run(Func.trace(f, xs), xs)).as("%s", t).containsExactly(0, 0, 0);
    }
  }

  @Test
  void maxAndMinGradientsGoToTheNan() {
    for (DType t : List.of(DType.F32, DType.F64)) {
      Tensor m = Tensor.of(new double[] {1, NAN, 3, NAN, 2, NAN, 3, 3, 1}, 3, 3).astype(t);
      // values: NaN where a row holds one (torch), per row
      assertThat(run(Func.trace((Tensor x) -> x.max(1), m), m)).containsExactly(NAN, NAN, 3);
      // gradients: to the NaN, shared among several; ties shared (torch's max()/min())
      Function<Tensor, Tensor> maxGrad = vmap(grad((Tensor x) -> x.max()));
      assertThat(run(Func.trace(maxGrad, m), m))
          .as("%s", t)
          .containsExactly(0, 1, 0, 0.5, 0, 0.5, 0.5, 0.5, 0);
      Function<Tensor, Tensor> minGrad = grad((Tensor x) -> x.min(1).sum());
      assertThat(run(Func.trace(minGrad, m), m))
          .as("%s", t)
          .containsExactly(0, 1, 0, 0.5, 0, 0.5, 0, 0, 1);
    }
  }

  /** The plan's PTX run by the interpreter, checked against the CPU, as doubles. */
  private static double[] run(Program p, Tensor... inputs) {
    GpuPlan plan = GpuPlan.of(ProgramCompiler.plan(p));
    List<CpuTensor> in = new java.util.ArrayList<>();
    for (Tensor x : inputs) {
      in.add((CpuTensor) x);
    }
    List<CpuTensor> got = InterpretedGpu.run(plan, in);
    GpuTestSupport.assertMatchesCpu(
        p.toString(), got, org.vmap4j.compiler.Executable.of(plan.plan()).run(in));
    return got.get(0).toDoubleArray();
  }
}
