package org.vmap4j.gpu;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.vmap4j.DType;
import org.vmap4j.Func;
import org.vmap4j.Tensor;
import org.vmap4j.compiler.ProgramCompiler;
import org.vmap4j.interpreter.Interpreters;
import org.vmap4j.interpreter.Params;
import org.vmap4j.ir.Program;
import org.vmap4j.prim.ConvGeneralDilated;
import org.vmap4j.prim.ReduceWindow;

/**
 * Convolution and pooling are not lowered to the GPU yet: the plan keeps them on the CPU and says
 * why, and the element-wise work around them still becomes GPU kernels.
 */
class ConvPlacementTest {
  @Test
  void convolutionAndPoolingFallBackToTheCpuWithTheirReason() {
    Params conv =
        ConvGeneralDilated.params(
            new int[] {1, 1},
            new int[] {1, 1},
            new int[] {1, 1},
            new int[] {1, 1},
            new int[] {1, 1},
            1,
            1);
    Params pool =
        ReduceWindow.params(new int[] {1, 1, 2, 2}, new int[] {1, 1, 2, 2}, new int[4], new int[4]);
    BiFunction<Tensor, Tensor, Tensor> f =
        (x, w) -> {
          Tensor h = Interpreters.bind1(ConvGeneralDilated.CONV_GENERAL_DILATED, conv, x, w);
          return Interpreters.bind1(ReduceWindow.REDUCE_WINDOW_MAX, pool, h.tanh().mul(2.0));
        };
    Program p =
        Func.trace(f, Tensor.zeros(DType.F32, 2, 3, 6, 6), Tensor.zeros(DType.F32, 4, 3, 3, 3));
    GpuPlan plan = GpuPlan.of(ProgramCompiler.plan(p));
    List<String> reasons = new ArrayList<>();
    for (GpuPlan.Step s : plan.steps()) {
      if (s instanceof GpuPlan.OnCpu c) {
        reasons.add(c.reason());
      }
    }
    assertThat(reasons)
        .containsExactly(
            "no GPU lowering for conv_general_dilated", "no GPU lowering for reduce_window_max");
    assertThat(plan.deviceSteps()).isGreaterThan(0);
  }
}
