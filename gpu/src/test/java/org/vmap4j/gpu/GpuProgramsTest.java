package org.vmap4j.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.vmap4j.gpu.GpuTestSupport.assertMatchesCpu;
import static org.vmap4j.gpu.GpuTestSupport.requireGpu;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vmap4j.DType;
import org.vmap4j.Func;
import org.vmap4j.Tensor;
import org.vmap4j.backend.Backends;
import org.vmap4j.compiler.Executable;
import org.vmap4j.compiler.ExecutionPlan;
import org.vmap4j.compiler.ProgramCompiler;
import org.vmap4j.cpu.CpuTensor;
import org.vmap4j.functorch.ConformancePrograms;
import org.vmap4j.gpu.cuda.CudaCallException;
import org.vmap4j.gpu.cuda.CudaDevice;
import org.vmap4j.gpu.cuda.DeviceMemoryPool;
import org.vmap4j.ir.Program;

/**
 * Whole programs on the GPU against the CPU: the conformance fixtures, the per-sample-gradient
 * workloads, outputs fully written (poisoned memory), no leak over 1000 calls, concurrent callers.
 * Skipped, with the reason, where no GPU is usable.
 */
class GpuProgramsTest {
  private static final CudaBackend GPU = new CudaBackend();

  @BeforeEach
  void gpu() {
    requireGpu();
  }

  private static void compare(String what, Program p, List<CpuTensor> in) {
    ExecutionPlan plan = ProgramCompiler.plan(p);
    List<CpuTensor> want = Executable.of(plan).run(in);
    try (CudaProgram g = GPU.compile(plan)) {
      assertMatchesCpu(what, g.run(in), want);
    }
  }

  @Test
  void conformanceFixturesInF32AndF64() {
    for (DType t : List.of(DType.F32, DType.F64)) {
      for (ConformancePrograms.Case c : ConformancePrograms.all(t)) {
        List<CpuTensor> in = new ArrayList<>();
        c.inputs().forEach(x -> in.add((CpuTensor) x));
        compare(c.name() + " " + t, c.program(), in);
      }
    }
  }

  @Test
  void perSampleGradientWorkloads() {
    for (DType t : List.of(DType.F32, DType.F64)) {
      Tensor w = Tensor.randomNormal(1, t, 256).mul(0.1);
      Workloads.Sample s = Workloads.logisticData(2, t, 4096, 256);
      Tensor want = Workloads.LOGISTIC_PER_SAMPLE.apply(w, s);
      Tensor got = Func.jit(Workloads.LOGISTIC_PER_SAMPLE, GPU).apply(w, s);
      assertMatchesCpu("logistic " + t, List.of((CpuTensor) got), List.of((CpuTensor) want));
      Workloads.Mlp p = Workloads.Mlp.random(3, t, 128, 256, 10);
      Workloads.Sample m = Workloads.mlpData(4, t, 512, 128, 10);
      Workloads.Mlp wantMlp = Workloads.MLP_PER_SAMPLE.apply(p, m);
      Workloads.Mlp gotMlp = Func.jit(Workloads.MLP_PER_SAMPLE, GPU).apply(p, m);
      assertMatchesCpu(
          "mlp " + t,
          List.of(
              (CpuTensor) gotMlp.w1(),
              (CpuTensor) gotMlp.b1(),
              (CpuTensor) gotMlp.w2(),
              (CpuTensor) gotMlp.b2()),
          List.of(
              (CpuTensor) wantMlp.w1(),
              (CpuTensor) wantMlp.b1(),
              (CpuTensor) wantMlp.w2(),
              (CpuTensor) wantMlp.b2()));
    }
  }

  @Test
  void everyOutputElementIsWrittenOverPoisonedMemory() {
    DeviceMemoryPool pool = CudaDevice.open(0).memory();
    pool.poisonAllocations(true);
    try {
      for (KernelCorpus.Entry e : KernelCorpus.all()) {
        Program p = e.plan().plan().program();
        compare("poisoned " + e.program(), p, GpuTestSupport.inputs(p, 1));
      }
    } finally {
      pool.poisonAllocations(false);
    }
  }

  @Test
  void noDeviceMemoryLeaksOver1000Calls() {
    CudaDevice d = CudaDevice.open(0);
    Tensor w = Tensor.randomNormal(1, DType.F32, 64);
    Workloads.Sample s = Workloads.logisticData(2, DType.F32, 1024, 64);
    var f = Func.jit(Workloads.LOGISTIC_PER_SAMPLE, GPU);
    f.apply(w, s);
    long reserved = d.memory().bytesReserved();
    long[] free = new long[1];
    long[] total = new long[1];
    d.makeCurrent();
    CudaCallException.check(jcuda.driver.JCudaDriver.cuMemGetInfo(free, total), "cuMemGetInfo");
    long freeBefore = free[0];
    for (int i = 0; i < 1000; i++) {
      f.apply(w, s);
      assertThat(d.memory().buffersInUse()).as("buffers in use after call %d", i).isZero();
    }
    assertThat(d.memory().bytesReserved()).isEqualTo(reserved);
    assertThat(d.pinned().outstanding()).isZero();
    d.makeCurrent();
    CudaCallException.check(jcuda.driver.JCudaDriver.cuMemGetInfo(free, total), "cuMemGetInfo");
    // the driver's own bookkeeping may move by a page or two; a leak of 1000 calls would not
    assertThat(freeBefore - free[0]).isLessThan(4L << 20);
  }

  @Test
  void concurrentCallersGetTheirOwnResults() throws Exception {
    Tensor w = Tensor.randomNormal(1, DType.F32, 128);
    var f = Func.jit(Workloads.LOGISTIC_PER_SAMPLE, GPU);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        int seed = i;
        done.add(
            pool.submit(
                () -> {
                  Workloads.Sample s = Workloads.logisticData(10 + seed, DType.F32, 2048, 128);
                  Tensor want = Workloads.LOGISTIC_PER_SAMPLE.apply(w, s);
                  for (int r = 0; r < 20; r++) {
                    assertMatchesCpu(
                        "thread " + seed,
                        List.of((CpuTensor) f.apply(w, s)),
                        List.of((CpuTensor) want));
                  }
                  return null;
                }));
      }
      for (Future<?> d : done) {
        d.get();
      }
    } finally {
      pool.shutdown();
    }
  }

  @Test
  void gpuChoiceSelectsTheCudaBackend() {
    assertThat(Backends.select("gpu").name()).isEqualTo("cuda");
    assertThat(Backends.select("auto").name()).isEqualTo("cuda");
  }
}
