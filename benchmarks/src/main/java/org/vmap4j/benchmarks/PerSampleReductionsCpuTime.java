package org.vmap4j.benchmarks;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.function.Supplier;
import org.vmap4j.Tensor;

/**
 * The calls of {@link PerSampleReductionsBenchmark} (peers' MLP, B=1024, F32) timed by the calling
 * thread's CPU time instead of the wall clock, with the bytes each call allocates: on a machine
 * shared with other busy processes the wall clock also counts the time the thread waits for a core,
 * the CPU time (nearly) does not. Compare with {@code benchmarks/functorch/persample_bench.py
 * --cpu-time} (one thread, thread CPU time), run alternately in the same sitting.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -Dvmap4j.threads=1 -Xmx4g -cp
 * benchmarks/target/benchmarks.jar org.vmap4j.benchmarks.PerSampleReductionsCpuTime [calls]
 * [workload...]}, workloads among {@code dot project norms clippedSum batchGradient forward}, and
 * row 4 (per-sample logistic gradients): {@code logistic4096Jit logistic4096JitReusing
 * logistic4096Hand logistic65536Jit logistic65536JitReusing logistic65536Hand} (compare with {@code
 * benchmarks/python/row4_logistic_torch_cpu_time.py}).
 */
public final class PerSampleReductionsCpuTime {
  private PerSampleReductionsCpuTime() {}

  public static void main(String[] args) {
    int calls = args.length > 0 ? Integer.parseInt(args[0]) : 40;
    String[] which =
        args.length > 1
            ? Arrays.copyOfRange(args, 1, args.length)
            : new String[] {"dot", "project", "norms", "clippedSum", "batchGradient", "forward"};
    PerSampleReductionsBenchmark b = new PerSampleReductionsBenchmark();
    b.setUp();
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    for (String w : which) {
      Supplier<Object> call =
          switch (w) {
            case "dot" -> b::mlpDotApi;
            case "project" -> b::mlpProjectK1024Api;
            case "norms" -> b::mlpNormsApi;
            case "clippedSum" -> b::mlpClippedSumApi;
            case "batchGradient" -> b::mlpBatchGradientJit;
            case "forward" -> b::mlpForwardLossJit;
            case "logistic4096Jit" -> b::w4aLogisticB4096Jit;
            case "logistic4096JitReusing" -> b::w4aLogisticB4096JitReusing;
            case "logistic4096Hand" -> b::w4aLogisticB4096Hand;
            case "logistic65536Jit" -> b::w4bLogisticB65536Jit;
            case "logistic65536JitReusing" -> b::w4bLogisticB65536JitReusing;
            case "logistic65536Hand" -> b::w4bLogisticB65536Hand;
            default ->
                throw new IllegalArgumentException(
                    "PerSampleReductionsCpuTime: unknown workload "
                        + w
                        + "; expected dot, project, norms, clippedSum, batchGradient, forward"
                        + " or logistic{4096,65536}{Jit,JitReusing,Hand}");
          };
      // warm up for 3 s of this thread's CPU (at least 10 calls): the JIT compiles the kernels in
      // the first seconds, and calls timed before that make a noisy median
      long warm = threads.getCurrentThreadCpuTime();
      for (int i = 0; i < 10 || threads.getCurrentThreadCpuTime() - warm < 3_000_000_000L; i++) {
        call.get();
      }
      double[] ms = new double[calls];
      long allocated = 0;
      long id = Thread.currentThread().getId();
      for (int i = 0; i < calls; i++) {
        long a0 = threads.getThreadAllocatedBytes(id);
        long t0 = threads.getCurrentThreadCpuTime();
        call.get();
        ms[i] = (threads.getCurrentThreadCpuTime() - t0) / 1e6;
        allocated += threads.getThreadAllocatedBytes(id) - a0;
      }
      Arrays.sort(ms);
      if (w.startsWith("logistic")) {
        // the timed result against the handwritten closed form, so a reused buffer that came back
        // wrong would show here rather than as a fast time
        Tensor hand =
            w.startsWith("logistic4096")
                ? PeerWorkloads.logisticHand(b.w256, b.s4096.x(), b.s4096.y())
                : PeerWorkloads.logisticHand(b.w64, b.s65536.x(), b.s65536.y());
        Tensor last = (Tensor) call.get();
        System.out.printf(
            "%s: max |result - handwritten| %.1e%n", w, last.sub(hand).abs().max().item());
      }
      System.out.printf(
          "%s: thread CPU time per call, median %.2f ms, min %.2f ms (%d calls), %.1f MB"
              + " allocated per call%n",
          w, ms[calls / 2], ms[0], calls, allocated / 1e6 / calls);
    }
  }
}
