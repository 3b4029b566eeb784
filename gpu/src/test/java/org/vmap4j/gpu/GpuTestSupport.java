package org.vmap4j.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import org.vmap4j.DType;
import org.vmap4j.Tensor;
import org.vmap4j.TensorType;
import org.vmap4j.cpu.CpuTensor;
import org.vmap4j.gpu.cuda.CudaAvailability;
import org.vmap4j.ir.Program;

/** What the GPU tests share: the skip with its reason, inputs, and the comparison with the CPU. */
final class GpuTestSupport {
  private GpuTestSupport() {}

  /** Skips the calling test, saying why, where this process cannot use a GPU. */
  static void requireGpu() {
    CudaAvailability a = CudaAvailability.probe();
    assumeTrue(a.available(), () -> "needs a CUDA GPU: " + a.description());
  }

  /** Random inputs for a program: floats in [0.5, 1.5) (inside every domain), zeros otherwise. */
  /** Compiles {@code plan} for device 0 (the GPU tests' device), runs it once, unloads it. */
  static List<CpuTensor> runOnGpu(GpuPlan plan, List<CpuTensor> args) {
    try (CudaProgram g = new CudaBackend().compile(plan.plan())) {
      List<CpuTensor> out = new java.util.ArrayList<>();
      g.run(args).forEach(t -> out.add((CpuTensor) t));
      return out;
    }
  }

  static List<CpuTensor> inputs(Program p, long seed) {
    List<CpuTensor> out = new ArrayList<>();
    for (var v : p.inputs()) {
      TensorType t = v.type();
      Tensor x =
          t.dtype().isFloating()
              ? Tensor.randomUniform(seed++, t.dtype(), t.shape()).add(0.5)
              : Tensor.zeros(t.dtype(), t.shape());
      out.add(cpu(x));
    }
    return out;
  }

  static CpuTensor cpu(Tensor t) {
    return (CpuTensor) t;
  }

  /**
   * GPU result equals CPU result: same shape and dtype, NaN exactly where the CPU has NaN, and max
   * |got - want| ≤ tol · max(1, max |want|) with tol 1e-5 (f32) or 1e-12 (f64); exact for other
   * dtypes.
   */
  static void assertMatchesCpu(String what, List<? extends Tensor> got, List<CpuTensor> want) {
    assertThat(got).as(what).hasSameSizeAs(want);
    for (int i = 0; i < want.size(); i++) {
      CpuTensor g = (CpuTensor) got.get(i);
      CpuTensor w = want.get(i);
      assertThat(g.shape()).as("%s output %d shape", what, i).isEqualTo(w.shape());
      assertThat(g.dtype()).as("%s output %d dtype", what, i).isEqualTo(w.dtype());
      double tol = w.dtype() == DType.F32 ? 1e-5 : w.dtype() == DType.F64 ? 1e-12 : 0;
      double scale = 1;
      int n = w.size();
      for (int j = 0; j < n; j++) {
        double v = Math.abs(w.getDouble(j));
        if (Double.isFinite(v)) {
          scale = Math.max(scale, v);
        }
      }
      for (int j = 0; j < n; j++) {
        double a = g.getDouble(j);
        double b = w.getDouble(j);
        boolean ok =
            Double.isNaN(b)
                ? Double.isNaN(a)
                : Double.isInfinite(b) ? a == b : Math.abs(a - b) <= tol * scale;
        if (!ok) {
          throw new AssertionError(
              what
                  + " output "
                  + i
                  + " element "
                  + j
                  + ": gpu "
                  + a
                  + ", cpu "
                  + b
                  + " (tol "
                  + tol * scale
                  + ")");
        }
      }
    }
  }
}
