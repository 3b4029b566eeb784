package org.vmap4j.gpu;

import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuEventDestroy;
import static jcuda.driver.JCudaDriver.cuEventElapsedTime;
import static jcuda.driver.JCudaDriver.cuEventRecord;
import static jcuda.driver.JCudaDriver.cuEventSynchronize;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoDAsync;
import static jcuda.driver.JCudaDriver.cuMemsetD32Async;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import jcuda.Pointer;
import jcuda.driver.CUevent;
import org.vmap4j.DType;
import org.vmap4j.Func;
import org.vmap4j.Tensor;
import org.vmap4j.compiler.ProgramCompiler;
import org.vmap4j.gpu.cuda.CudaAvailability;
import org.vmap4j.gpu.cuda.CudaCallException;
import org.vmap4j.gpu.cuda.CudaDevice;
import org.vmap4j.gpu.cuda.CudaModule;
import org.vmap4j.gpu.cuda.CudaStream;
import org.vmap4j.gpu.cuda.DeviceBuffer;
import org.vmap4j.gpu.ptx.GemmPtx;
import org.vmap4j.gpu.ptx.PtxKernelRenderer;

/**
 * The device check's benchmark step: on GPU 0, in one run, (1) a fused element-wise kernel's
 * bandwidth against a device-to-device copy, (2) our SGEMM at 4096³, kernel time by CUDA events,
 * (3) per-sample gradients of logistic regression (B=65536, D=256) and of the MLP of
 * ../shared/peers (B=4096), end to end through jit from and to host tensors (transfers included),
 * with the CPU backend's time in the same run for the ratio. Medians; prints a table last.
 */
public final class GpuBenchmark {
  private final List<String> rows = new ArrayList<>();

  private GpuBenchmark() {}

  public static void main(String[] args) {
    CudaAvailability a = CudaAvailability.probe();
    if (!a.available()) {
      System.out.println("---- benchmark\nnot run: " + a.description());
      return;
    }
    GpuBenchmark b = new GpuBenchmark();
    CudaDevice d = CudaDevice.open(0);
    System.out.println("device: " + d + ", " + a.description());
    b.step("bandwidth", () -> b.bandwidth(d));
    b.step("sgemm", () -> b.sgemm(d));
    b.step("per-sample grads", b::perSampleGradients);
    System.out.println("---- benchmark (" + d + ")");
    b.rows.forEach(System.out::println);
  }

  private void step(String name, Runnable r) {
    try {
      r.run();
    } catch (RuntimeException e) {
      rows.add(String.format("%-44s FAILED: %s", name, e));
      e.printStackTrace(System.out);
    }
  }

  /**
   * Median milliseconds of {@code reps} timings of {@code work} on {@code stream} by CUDA events.
   */
  private static double eventMs(CudaStream stream, int reps, Runnable work) {
    CUevent start = new CUevent();
    CUevent stop = new CUevent();
    CudaCallException.check(cuEventCreate(start, 0), "cuEventCreate");
    CudaCallException.check(cuEventCreate(stop, 0), "cuEventCreate");
    try {
      work.run(); // warm-up
      double[] ms = new double[reps];
      for (int i = 0; i < reps; i++) {
        CudaCallException.check(cuEventRecord(start, stream.handle()), "cuEventRecord");
        work.run();
        CudaCallException.check(cuEventRecord(stop, stream.handle()), "cuEventRecord");
        CudaCallException.check(cuEventSynchronize(stop), "cuEventSynchronize");
        float[] t = {0};
        CudaCallException.check(cuEventElapsedTime(t, start, stop), "cuEventElapsedTime");
        ms[i] = t[0];
      }
      return median(ms);
    } finally {
      cuEventDestroy(start);
      cuEventDestroy(stop);
    }
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }

  private void bandwidth(CudaDevice d) {
    int n = 64 << 20; // 64 Mi floats = 256 MiB per array
    long bytes = 4L * n;
    d.makeCurrent();
    Tensor proto = Tensor.zeros(DType.F32, n);
    GpuPlan plan =
        GpuPlan.of(
            ProgramCompiler.plan(
                Func.trace((Tensor x, Tensor y) -> x.mul(y).add(x), proto, proto)));
    GpuPlan.Kernel k =
        (GpuPlan.Kernel)
            plan.steps().stream()
                .filter(s -> s instanceof GpuPlan.Kernel)
                .findFirst()
                .orElseThrow();
    try (CudaStream stream = new CudaStream();
        DeviceBuffer x = d.memory().allocate(bytes);
        DeviceBuffer y = d.memory().allocate(bytes);
        DeviceBuffer out = d.memory().allocate(bytes);
        CudaModule m = new CudaModule(k.ptx(), PtxKernelRenderer.ENTRY, d.arch())) {
      CudaCallException.check(
          cuMemsetD32Async(x.pointer(), 0x3f800000, n, stream.handle()), "cuMemsetD32Async");
      CudaCallException.check(
          cuMemsetD32Async(y.pointer(), 0x40000000, n, stream.handle()), "cuMemsetD32Async");
      double copyMs =
          eventMs(
              stream,
              20,
              () ->
                  CudaCallException.check(
                      cuMemcpyDtoDAsync(out.pointer(), x.pointer(), bytes, stream.handle()),
                      "cuMemcpyDtoDAsync"));
      Pointer params =
          Pointer.to(
              Pointer.to(x.pointer()),
              Pointer.to(y.pointer()),
              Pointer.to(out.pointer()),
              Pointer.to(new int[] {n}));
      int blocks = (int) ((k.threads() + PtxKernelRenderer.BLOCK - 1) / PtxKernelRenderer.BLOCK);
      double fusedMs =
          eventMs(
              stream,
              20,
              () ->
                  CudaCallException.check(
                      cuLaunchKernel(
                          m.function(),
                          blocks,
                          1,
                          1,
                          PtxKernelRenderer.BLOCK,
                          1,
                          1,
                          0,
                          stream.handle(),
                          params,
                          null),
                      "cuLaunchKernel"));
      double copyGbs = 2.0 * bytes / copyMs / 1e6;
      double fusedGbs = 3.0 * bytes / fusedMs / 1e6;
      rows.add(String.format("%-44s %10.1f GB/s", "device-to-device copy (256 MiB)", copyGbs));
      rows.add(
          String.format(
              "%-44s %10.1f GB/s  %.0f%% of copy",
              "fused x*y+x f32 (2 in, 1 out)", fusedGbs, 100 * fusedGbs / copyGbs));
    }
  }

  private void sgemm(CudaDevice d) {
    int n = 4096;
    d.makeCurrent();
    Tensor proto = Tensor.zeros(DType.F32, n, n);
    GpuPlan plan = GpuPlan.of(ProgramCompiler.plan(Func.trace(Tensor::matmul, proto, proto)));
    GpuPlan.Gemm g =
        (GpuPlan.Gemm)
            plan.steps().stream().filter(s -> s instanceof GpuPlan.Gemm).findFirst().orElseThrow();
    long bytes = 4L * n * n;
    try (CudaStream stream = new CudaStream();
        DeviceBuffer a = d.memory().allocate(bytes);
        DeviceBuffer b = d.memory().allocate(bytes);
        DeviceBuffer c = d.memory().allocate(bytes);
        CudaModule m = new CudaModule(g.ptx(), GemmPtx.ENTRY, d.arch())) {
      CudaCallException.check(
          cuMemsetD32Async(a.pointer(), 0x3f800000, (long) n * n, stream.handle()),
          "cuMemsetD32Async");
      CudaCallException.check(
          cuMemsetD32Async(b.pointer(), 0x3f000000, (long) n * n, stream.handle()),
          "cuMemsetD32Async");
      var s = g.shape();
      Pointer params =
          Pointer.to(Pointer.to(a.pointer()), Pointer.to(b.pointer()), Pointer.to(c.pointer()));
      double ms =
          eventMs(
              stream,
              5,
              () ->
                  CudaCallException.check(
                      cuLaunchKernel(
                          m.function(),
                          GemmPtx.gridX(s),
                          GemmPtx.gridY(s),
                          GemmPtx.gridZ(s),
                          GemmPtx.blockThreads(),
                          1,
                          1,
                          0,
                          stream.handle(),
                          params,
                          null),
                      "cuLaunchKernel"));
      rows.add(
          String.format(
              "%-44s %10.2f ms  %.1f TFLOP/s",
              "our SGEMM 4096^3 (kernel only)", ms, 2.0 * n * n * n / ms / 1e9));
    }
  }

  private void perSampleGradients() {
    CudaBackend gpu = new CudaBackend();
    Tensor w = Tensor.randomNormal(1, DType.F32, 256).mul(0.1);
    Workloads.Sample s = Workloads.logisticData(2, DType.F32, 65536, 256);
    var onGpu = Func.jit(Workloads.LOGISTIC_PER_SAMPLE, gpu);
    var onCpu = Func.jit(Workloads.LOGISTIC_PER_SAMPLE, org.vmap4j.backend.Backends.cpu());
    double g = wallMs(10, () -> onGpu.apply(w, s));
    double c = wallMs(3, () -> onCpu.apply(w, s));
    rows.add(
        String.format(
            "%-44s %10.2f ms  cpu %.1f ms (%.1fx)",
            "logistic per-sample grads B=65536 D=256", g, c, c / g));
    Workloads.Mlp p = Workloads.Mlp.random(3, DType.F32, 128, 256, 10);
    Workloads.Sample m = Workloads.mlpData(4, DType.F32, 4096, 128, 10);
    var mlpGpu = Func.jit(Workloads.MLP_PER_SAMPLE, gpu);
    var mlpCpu = Func.jit(Workloads.MLP_PER_SAMPLE, org.vmap4j.backend.Backends.cpu());
    double mg = wallMs(10, () -> mlpGpu.apply(p, m));
    double mc = wallMs(3, () -> mlpCpu.apply(p, m));
    rows.add(
        String.format(
            "%-44s %10.2f ms  cpu %.1f ms (%.1fx)",
            "MLP per-sample grads B=4096", mg, mc, mc / mg));
    rows.add("(per-sample rows: host tensors in and out, transfers included)");
  }

  private static double wallMs(int reps, Supplier<?> f) {
    f.get();
    f.get();
    double[] ms = new double[reps];
    for (int i = 0; i < reps; i++) {
      long t = System.nanoTime();
      f.get();
      ms[i] = (System.nanoTime() - t) / 1e6;
    }
    return median(ms);
  }
}
