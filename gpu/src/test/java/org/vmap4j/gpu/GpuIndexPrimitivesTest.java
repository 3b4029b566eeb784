package org.vmap4j.gpu;

import static org.vmap4j.gpu.GpuTestSupport.requireGpu;

import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.vmap4j.cpu.CpuTensor;

/**
 * {@link IndexPrimitivesTest}'s cases (same seeds, same assertions) run by {@link CudaProgram} on a
 * GPU instead of the interpreter; skipped, with the reason, where no GPU is usable.
 */
class GpuIndexPrimitivesTest extends IndexPrimitivesTest {
  @BeforeEach
  void gpu() {
    requireGpu();
  }

  @Override
  List<CpuTensor> device(GpuPlan plan, List<CpuTensor> in) {
    return GpuTestSupport.runOnGpu(plan, in);
  }
}
