package org.vmap4j.gpu;

import static org.vmap4j.gpu.GpuTestSupport.assertMatchesCpu;
import static org.vmap4j.gpu.GpuTestSupport.cpu;
import static org.vmap4j.gpu.GpuTestSupport.requireGpu;

import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.vmap4j.DType;
import org.vmap4j.Func;
import org.vmap4j.Tensor;
import org.vmap4j.compiler.Executable;
import org.vmap4j.compiler.ExecutionPlan;
import org.vmap4j.compiler.ProgramCompiler;
import org.vmap4j.cpu.CpuTensor;
import org.vmap4j.ir.Program;

/**
 * Each kind of generated kernel on the GPU against the CPU backend, smallest first: one
 * element-wise kernel, the transcendentals, reductions, broadcasts, strided primitives, GEMMs.
 * Skipped, with the reason, where no GPU is usable.
 */
class GpuKernelsTest {
  private static final CudaBackend GPU = new CudaBackend();

  @BeforeEach
  void gpu() {
    requireGpu();
  }

  static void check(String what, Program p, List<CpuTensor> in) {
    ExecutionPlan plan = ProgramCompiler.plan(p);
    List<CpuTensor> want = Executable.of(plan).run(in);
    try (CudaProgram g = GPU.compile(plan)) {
      org.assertj.core.api.Assertions.assertThat(g.plan().deviceSteps())
          .as("%s: device steps in %s", what, g.plan().steps())
          .isPositive();
      assertMatchesCpu(what, g.run(in), want);
    }
  }

  static void unary(String what, DType t, Function<Tensor, Tensor> f, Tensor x) {
    check(what, Func.trace(f, x.astype(t)), List.of(cpu(x.astype(t))));
  }

  static void binary(String what, BiFunction<Tensor, Tensor, Tensor> f, Tensor x, Tensor y) {
    check(what, Func.trace(f, x, y), List.of(cpu(x), cpu(y)));
  }

  @Test
  void oneMultiplication() {
    Tensor x = Tensor.randomNormal(1, DType.F32, 1000);
    binary("x*y", Tensor::mul, x, Tensor.randomNormal(2, DType.F32, 1000));
  }

  @ParameterizedTest
  @EnumSource(
      value = DType.class,
      names = {"F32", "F64"})
  void arithmeticComparisonsAndSelect(DType t) {
    Tensor x = Tensor.randomNormal(3, t, 513);
    Tensor y = Tensor.randomNormal(4, t, 513);
    binary(
        "arith " + t,
        (a, b) ->
            Tensor.where(a.gt(b), a.mul(b).sub(b), a.div(b.abs().add(1)))
                .maximum(a.neg())
                .minimum(b.sqrt().add(a.sign())),
        x,
        y);
  }

  @Test
  void f32Transcendentals() {
    Tensor x = Tensor.arange(-40, 40, 0.013).astype(DType.F32);
    unary("exp", DType.F32, Tensor::exp, x);
    unary("tanh", DType.F32, Tensor::tanh, x);
    unary("sigmoid", DType.F32, Tensor::sigmoid, x);
    unary("sin", DType.F32, Tensor::sin, x);
    unary("cos", DType.F32, Tensor::cos, x);
    unary("log", DType.F32, v -> v.abs().add(1e-3).log(), x);
    unary("rsqrt", DType.F32, v -> v.abs().add(1e-3).rsqrt(), x);
  }

  @ParameterizedTest
  @EnumSource(
      value = DType.class,
      names = {"F32", "F64"})
  void trailingReductions(DType t) {
    Tensor x = Tensor.randomNormal(5, t, 37, 300);
    unary("sum " + t, t, v -> v.mul(v).sum(1), x);
    unary("max " + t, t, v -> v.abs().max(1), x);
    unary("min " + t, t, v -> v.neg().min(1), x);
    unary("sum of one long row " + t, t, v -> v.mul(2).sum(), Tensor.randomNormal(6, t, 100_000));
  }

  @Test
  void broadcastInputs() {
    Tensor m = Tensor.randomNormal(7, DType.F32, 65, 33);
    binary("row broadcast", (a, b) -> a.add(b).exp(), m, Tensor.randomNormal(8, DType.F32, 33));
    binary(
        "column broadcast",
        (a, b) -> a.mul(b.unsqueeze(1)),
        m,
        Tensor.randomNormal(9, DType.F32, 65));
  }

  @Test
  void stridedPrimitives() {
    Tensor x = Tensor.randomNormal(10, DType.F32, 6, 7, 8);
    unary("transpose", DType.F32, v -> v.permute(2, 0, 1), x);
    unary("sum over the first axis", DType.F32, v -> v.sum(0), x);
    unary("max over the middle axis", DType.F32, v -> v.max(1), x);
  }

  @ParameterizedTest
  @EnumSource(
      value = DType.class,
      names = {"F32", "F64"})
  void matrixProducts(DType t) {
    Tensor a = Tensor.randomNormal(11, t, 70, 90);
    Tensor b = Tensor.randomNormal(12, t, 90, 50);
    binary("matmul " + t, Tensor::matmul, a, b);
    binary("a^T b " + t, (p, q) -> p.transpose().matmul(q), Tensor.randomNormal(13, t, 90, 70), b);
    binary("a b^T " + t, (p, q) -> p.matmul(q.transpose()), a, Tensor.randomNormal(14, t, 50, 90));
    binary(
        "batched " + t,
        Tensor::matmul,
        Tensor.randomNormal(15, t, 5, 17, 33),
        Tensor.randomNormal(16, t, 5, 33, 9));
    binary("matrix-vector " + t, Tensor::matmul, a, Tensor.randomNormal(17, t, 90));
  }
}
