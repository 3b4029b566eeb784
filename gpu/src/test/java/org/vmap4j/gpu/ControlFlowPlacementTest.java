package org.vmap4j.gpu;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.vmap4j.DType;
import org.vmap4j.Func;
import org.vmap4j.ScanStep;
import org.vmap4j.Tensor;
import org.vmap4j.compiler.ProgramCompiler;
import org.vmap4j.cpu.CpuTensor;
import org.vmap4j.ir.Program;

/** Control flow in a GPU plan: placed on the CPU with its reason; with a GPU, same results. */
class ControlFlowPlacementTest {
  private static Program loopProgram() {
    return Func.trace(
        (Tensor x) ->
            Func.scan(
                    (Tensor c, Tensor xt) -> new ScanStep<>(c.mul(xt).sin(), c.exp()),
                    x.mul(2.0),
                    Tensor.ones(DType.F64, 5, 3))
                .ys()
                .sum(),
        Tensor.ones(DType.F64, 3));
  }

  @Test
  void scanRunsOnTheCpuWithItsReason() {
    GpuPlan plan = GpuPlan.of(ProgramCompiler.plan(loopProgram()));
    List<GpuPlan.OnCpu> onCpu =
        plan.steps().stream()
            .filter(s -> s instanceof GpuPlan.OnCpu)
            .map(s -> (GpuPlan.OnCpu) s)
            .toList();
    assertThat(onCpu).hasSize(1);
    assertThat(onCpu.get(0).reason()).startsWith(GpuPlan.CONTROL_FLOW_ON_CPU).contains("(scan)");
  }

  @Test
  void gpuBackendRunsAScanLikeTheCpu() {
    GpuTestSupport.requireGpu();
    Program p = loopProgram();
    List<CpuTensor> in = GpuTestSupport.inputs(p, 7);
    GpuPlan plan = GpuPlan.of(ProgramCompiler.plan(p));
    GpuTestSupport.assertMatchesCpu(
        "scan", GpuTestSupport.runOnGpu(plan, in), ProgramCompiler.compile(p).run(in));
  }
}
