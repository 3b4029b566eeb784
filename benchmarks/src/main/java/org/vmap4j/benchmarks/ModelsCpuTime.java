package org.vmap4j.benchmarks;

/**
 * The per-sample-gradient calls of {@link ModelsPerSampleGradBenchmark} ({@code cnn}, {@code
 * transformer}) and the convolutions of {@link ConvBenchmark} ({@code conv2d}, {@code conv2dF64}),
 * timed by the calling thread's CPU time instead of the wall clock: on a machine shared with other
 * busy processes the wall clock also counts the time the thread waits for a core, the CPU time
 * (nearly) does not. A companion to the JMH figures, not a replacement; compare with {@code
 * benchmarks/python/models_per_sample_torch_bench.py --cpu-time} and {@code
 * benchmarks/python/conv2d_torch_bench.py --cpu-time} (one thread, process time).
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -Dvmap4j.threads=1 -Xss8m -cp
 * benchmarks/target/benchmarks.jar org.vmap4j.benchmarks.ModelsCpuTime
 * [cnn|transformer|conv2d|conv2dF64]}.
 */
public final class ModelsCpuTime {
  private ModelsCpuTime() {}

  public static void main(String[] args) {
    String which = args.length > 0 ? args[0] : "cnn";
    ModelsPerSampleGradBenchmark models = new ModelsPerSampleGradBenchmark();
    ConvBenchmark conv = new ConvBenchmark();
    Runnable call =
        switch (which) {
          case "cnn" -> models::cnn;
          case "transformer" -> models::transformer;
          case "conv2d" -> conv::im2col;
          case "conv2dF64" -> conv::im2colF64;
          default ->
              throw new IllegalArgumentException(
                  "ModelsCpuTime: expected cnn, transformer, conv2d or conv2dF64, got " + which);
        };
    if (which.startsWith("conv")) {
      conv.setUp();
    } else {
      models.setUp();
    }
    for (int i = 0; i < 10; i++) {
      call.run();
    }
    double[] ns = new double[15];
    for (int i = 0; i < ns.length; i++) {
      ns[i] = CpuTimeSampler.perCallNs(call, 1);
    }
    CpuTimeSampler.Summary t = CpuTimeSampler.Summary.of(ns);
    System.out.printf(
        "%s: thread CPU time per call, median %.1f ms, min %.1f ms (%d calls)%n",
        which, t.medianNs() / 1e6, t.bestNs() / 1e6, ns.length);
  }
}
