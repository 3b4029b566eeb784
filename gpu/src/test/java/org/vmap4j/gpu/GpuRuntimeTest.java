package org.vmap4j.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.vmap4j.gpu.GpuTestSupport.requireGpu;

import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vmap4j.gpu.cuda.CudaCallException;
import org.vmap4j.gpu.cuda.CudaDevice;
import org.vmap4j.gpu.cuda.CudaModule;
import org.vmap4j.gpu.cuda.CudaStream;
import org.vmap4j.gpu.cuda.DeviceBuffer;
import org.vmap4j.gpu.cuda.DeviceMemoryPool;
import org.vmap4j.gpu.cuda.PinnedHostBuffer;
import org.vmap4j.gpu.ptx.PtxKernelRenderer;
import org.vmap4j.gpu.ptx.PtxKernelRendererTest;

/**
 * The driver-level pieces one at a time, so that a failure on a GPU machine points at one of them.
 * Skipped, with the reason, where no GPU is usable (CI and the development machine).
 */
class GpuRuntimeTest {
  @BeforeEach
  void gpu() {
    requireGpu();
  }

  @Test
  void deviceOpensWithAnAmpereOrNewerArchitecture() {
    CudaDevice d = CudaDevice.open(0);
    assertThat(d.arch()).matches("sm_[89][0-9]|sm_1[0-9]{2}");
    assertThat(d.name()).isNotBlank();
    assertThat(CudaDevice.open(0)).isSameAs(d);
  }

  @Test
  void theContextIsMadeCurrentOnAnotherThread() throws Exception {
    CudaDevice d = CudaDevice.open(0);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread t =
        new Thread(
            () -> {
              try {
                d.makeCurrent();
                d.memory().allocate(1024).close();
              } catch (Throwable e) {
                failure.set(e);
              }
            });
    t.start();
    t.join();
    assertThat(failure.get()).isNull();
  }

  @Test
  void poolRecyclesBuffersAndCountsWhatIsInUse() {
    CudaDevice d = CudaDevice.open(0);
    d.makeCurrent();
    DeviceMemoryPool pool = d.memory();
    long before = pool.bytesInUse();
    DeviceBuffer a = pool.allocate(1000);
    assertThat(pool.bytesInUse() - before).isEqualTo(1024);
    jcuda.driver.CUdeviceptr pointer = a.pointer();
    a.close();
    a.close(); // idempotent
    assertThat(pool.bytesInUse()).isEqualTo(before);
    DeviceBuffer b = pool.allocate(1024);
    assertThat(b.pointer()).isSameAs(pointer);
    b.close();
    assertThatThrownBy(b::pointer).hasMessageContaining("after close");
  }

  @Test
  void anImpossibleAllocationNamesTheCallAndTheError() {
    CudaDevice d = CudaDevice.open(0);
    d.makeCurrent();
    assertThatThrownBy(() -> d.memory().allocate(1L << 50))
        .isInstanceOf(CudaCallException.class)
        .hasMessageStartingWith("cuMemAlloc failed: CUDA_ERROR_OUT_OF_MEMORY");
  }

  @Test
  void pinnedBuffersAreWritableAndFreedExplicitly() {
    CudaDevice.open(0).makeCurrent();
    try (PinnedHostBuffer p = new PinnedHostBuffer(4096)) {
      p.buffer().asFloatBuffer().put(0, 3.5f);
      assertThat(p.buffer().asFloatBuffer().get(0)).isEqualTo(3.5f);
    }
  }

  @Test
  void streamsCreateSynchronizeAndClose() {
    CudaDevice.open(0).makeCurrent();
    try (CudaStream s = new CudaStream()) {
      s.synchronize("nothing");
    }
  }

  @Test
  void aModuleLoadsFromPtxAndFindsItsEntry() {
    CudaDevice d = CudaDevice.open(0);
    d.makeCurrent();
    String ptx =
        PtxKernelRenderer.render(PtxKernelRendererTest.onlyKernel(l -> l.get(0).mul(l.get(1)), 2));
    try (CudaModule m = new CudaModule(ptx, PtxKernelRenderer.ENTRY, d.arch())) {
      assertThat(m.function()).isNotNull();
    }
    assertThatThrownBy(() -> new CudaModule(ptx, "nope", d.arch()))
        .isInstanceOf(CudaCallException.class)
        .hasMessageContaining("cuModuleGetFunction failed");
  }
}
