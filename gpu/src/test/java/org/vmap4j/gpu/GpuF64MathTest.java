package org.vmap4j.gpu;

import static org.vmap4j.gpu.GpuTestSupport.requireGpu;

import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.vmap4j.cpu.CpuTensor;

/**
 * {@link PtxF64MathTest}'s accuracy checks with the kernels run on the GPU instead of the
 * interpreter: the same inputs, references and bounds, so a difference between the hardware and
 * this project's reading of the PTX ISA shows here. Skipped, with the reason, where no GPU is
 * usable.
 */
class GpuF64MathTest extends PtxF64MathTest {
  @BeforeEach
  void gpu() {
    requireGpu();
  }

  @Override
  List<CpuTensor> execute(GpuPlan plan, List<CpuTensor> args) {
    return GpuTestSupport.runOnGpu(plan, args);
  }
}
