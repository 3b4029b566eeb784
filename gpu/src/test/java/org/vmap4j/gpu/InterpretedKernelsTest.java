package org.vmap4j.gpu;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vmap4j.DType;
import org.vmap4j.Func;
import org.vmap4j.Tensor;
import org.vmap4j.compiler.Executable;
import org.vmap4j.compiler.ProgramCompiler;
import org.vmap4j.cpu.CpuTensor;
import org.vmap4j.functorch.ConformancePrograms;

/**
 * The generated PTX itself, run by {@link PtxInterpreter} (no GPU), gives the CPU's results: every
 * program of the kernel corpus, on poisoned memory. This checks the kernels' instructions,
 * indexing, loops, shared memory and shuffles as this project reads the PTX ISA; the GPU tests
 * check them on hardware.
 */
class InterpretedKernelsTest {
  @Test
  void conformanceFixturesThroughInterpretedKernelsMatchTheCpu() {
    int programs = 0;
    for (DType t : List.of(DType.F32, DType.F64)) {
      for (ConformancePrograms.Case c : ConformancePrograms.all(t)) {
        List<CpuTensor> in = new ArrayList<>();
        c.inputs().forEach(x -> in.add((CpuTensor) x));
        check(c.name() + " " + t, GpuPlan.of(ProgramCompiler.plan(c.program())), in);
        programs++;
      }
    }
    assertThat(programs).isGreaterThan(50);
  }

  @Test
  void everyCorpusProgramThroughInterpretedKernelsMatchesTheCpu() {
    long deviceSteps = 0;
    for (KernelCorpus.Entry e : KernelCorpus.all()) {
      var p = e.plan().plan().program();
      check(e.program(), e.plan(), GpuTestSupport.inputs(p, 7));
      deviceSteps += e.plan().deviceSteps();
    }
    assertThat(deviceSteps).isGreaterThan(500);
  }

  /** Sizes the fixtures lack: reductions longer than a warp, GEMMs over several tiles. */
  @Test
  void longReductionsAndMultiTileProductsMatchTheCpu() {
    for (DType t : List.of(DType.F32, DType.F64)) {
      Tensor x = Tensor.randomNormal(5, t, 37, 300);
      unary("sum " + t, v -> v.mul(v).sum(1), x);
      unary("max " + t, v -> v.abs().max(1), x);
      unary("min " + t, v -> v.neg().min(1), x);
      unary("sum over the first axis " + t, v -> v.sum(0), x);
      unary("long row " + t, v -> v.mul(2).sum(), Tensor.randomNormal(6, t, 20_000));
      binary(
          "matmul " + t,
          Tensor::matmul,
          Tensor.randomNormal(7, t, 70, 90),
          Tensor.randomNormal(8, t, 90, 130));
      binary(
          "a^T b^T " + t,
          (a, b) -> a.transpose().matmul(b.transpose()),
          Tensor.randomNormal(9, t, 40, 70),
          Tensor.randomNormal(10, t, 66, 40));
      binary(
          "batched " + t,
          Tensor::matmul,
          Tensor.randomNormal(11, t, 3, 17, 33),
          Tensor.randomNormal(12, t, 3, 33, 9));
    }
  }

  private static void unary(String what, java.util.function.Function<Tensor, Tensor> f, Tensor x) {
    check(what, GpuPlan.of(ProgramCompiler.plan(Func.trace(f, x))), List.of((CpuTensor) x));
  }

  private static void binary(
      String what, java.util.function.BiFunction<Tensor, Tensor, Tensor> f, Tensor x, Tensor y) {
    check(
        what,
        GpuPlan.of(ProgramCompiler.plan(Func.trace(f, x, y))),
        List.of((CpuTensor) x, (CpuTensor) y));
  }

  private static void check(String what, GpuPlan plan, List<CpuTensor> in) {
    List<CpuTensor> want = Executable.of(plan.plan()).run(in);
    List<CpuTensor> got;
    try {
      got = InterpretedGpu.run(plan, in);
    } catch (RuntimeException e) {
      throw new AssertionError(what + ": " + e.getMessage() + "\nplan: " + describe(plan), e);
    }
    try {
      GpuTestSupport.assertMatchesCpu(what, got, want);
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "\nplan: " + describe(plan), e);
    }
  }

  private static String describe(GpuPlan plan) {
    List<String> d = new ArrayList<>();
    plan.steps().forEach(s -> d.add(s.describe()));
    return String.join("; ", d);
  }
}
