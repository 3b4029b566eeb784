package org.vmap4j.gpu.ptx;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.vmap4j.DType;
import org.vmap4j.Func;
import org.vmap4j.Tensor;
import org.vmap4j.compiler.ProgramCompiler;
import org.vmap4j.gpu.GpuPlan;
import org.vmap4j.gpu.KernelCompilation;
import org.vmap4j.kernel.KernelDescription;
import org.vmap4j.kernel.ScalarOp;
import org.vmap4j.kernel.ScalarStep;

/**
 * The PTX table of scalar operations: a row that says it lowers a dtype combination renders a
 * kernel that nvPTXCompiler and ptxas accept (sm_80, sm_90); one that does not gives a reason, and
 * placement sends the step to the CPU with that reason, without an exception.
 */
class PtxScalarOpsTest {
  private static final List<DType> DTYPES =
      List.of(DType.F32, DType.F64, DType.I32, DType.I64, DType.BOOL);

  /**
   * Scalar operations knowingly without a PTX row (kernels using them run on the CPU, with the
   * table's reason): none today. A new operation added without a row must be listed here.
   */
  private static final Set<ScalarOp> NOT_LOWERED_YET = EnumSet.noneOf(ScalarOp.class);

  @Test
  void theGpuTableHasARowForEveryScalarOperationButTheListedOnes() {
    assertThat(PtxLowering.TABLE.missing()).isEqualTo(NOT_LOWERED_YET);
  }

  @Test
  void everyCombinationARowAcceptsCompilesAndTheOthersHaveAReason() {
    int lowered = 0;
    int declined = 0;
    for (ScalarOp op : ScalarOp.values()) {
      if (NOT_LOWERED_YET.contains(op)) {
        continue;
      }
      for (DType in : DTYPES) {
        for (DType out : outputs(op, in)) {
          List<DType> operands = operands(op, in);
          ScalarStep step = new ScalarStep("t0", op, out, names(operands.size()), operands);
          String why = PtxLowering.unsupported(step);
          KernelDescription k =
              new KernelDescription(List.of(step), "t0", out, operands, new int[] {64}, null, 0);
          assertThat(PtxKernelRenderer.unsupported(k)).isEqualTo(why);
          if (why == null) {
            KernelCompilation.check(
                op + " " + operands + " -> " + out, PtxKernelRenderer.render(k));
            lowered++;
          } else {
            assertThat(why).startsWith("cannot lower " + op.name().toLowerCase());
            declined++;
          }
        }
      }
    }
    // every operation is lowered for f32 and f64 at least; bool arithmetic and comparisons are not
    assertThat(lowered).isGreaterThan(2 * ScalarOp.values().length);
    assertThat(declined).isPositive();
  }

  @Test
  void placementTurnsADeclinedStepIntoACpuStepWithTheReason() {
    GpuPlan plan =
        GpuPlan.of(
            ProgramCompiler.plan(
                Func.trace(
                    (Tensor a, Tensor b) -> a.gt(0).eq(b.gt(0)),
                    Tensor.zeros(DType.F32, 4),
                    Tensor.zeros(DType.F32, 4))));
    assertThat(plan.steps())
        .singleElement()
        .isInstanceOfSatisfying(
            GpuPlan.OnCpu.class,
            c -> assertThat(c.reason()).contains("comparisons of bool are not lowered"));
  }

  /** The result dtypes worth trying for {@code op} over operands of {@code in}. */
  private static List<DType> outputs(ScalarOp op, DType in) {
    return switch (op) {
      case LT, LE, GT, GE, EQ, NE -> List.of(DType.BOOL);
      case CONVERT -> DTYPES;
      default -> List.of(in);
    };
  }

  private static List<DType> operands(ScalarOp op, DType in) {
    List<DType> out = new ArrayList<>(Collections.nCopies(op.arity(), in));
    if (op == ScalarOp.SELECT) {
      out.set(0, DType.BOOL);
    }
    return out;
  }

  private static List<String> names(int n) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add("x" + i);
    }
    return out;
  }
}
