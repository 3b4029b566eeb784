package org.vmap4j.benchmarks;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.vmap4j.Tensor;
import org.vmap4j.Tree;

/**
 * Memory figures for the rows of {@link ModelsPerSampleReductionsBenchmark} (the CNN at B=256, the
 * transformer block at B=64): the bytes one call allocates on the calling thread, beside the size
 * of the per-sample gradients that the rewrites avoid forming ({@code B x P x 4} bytes, F32).
 *
 * <p>{@code allocated [rows...]}: after warm-up, the calling thread's allocated bytes per call
 * ({@code com.sun.management.ThreadMXBean.getThreadAllocatedBytes}), median and smallest of 7
 * calls, after every row has been warmed 3 s of CPU time; kernels must run on that thread ({@code
 * -Dvmap4j.threads=1}). {@code calls N row}: set up, call the row N times and print {@code OK row},
 * or {@code OOM row} and exit 3 on an {@link OutOfMemoryError}: {@code
 * benchmarks/persample_memory_ladder.sh} runs it under a ladder of {@code -Xmx} values, in a fresh
 * JVM each, for the smallest heap a row runs in.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -Dvmap4j.threads=1 -Xss8m -Xmx4g -cp
 * benchmarks/target/benchmarks.jar org.vmap4j.benchmarks.PerSampleMemory allocated}.
 */
public final class PerSampleMemory {
  private static final int MEASURED_CALLS = 7;
  private static final long WARM_UP_NS = 3_000_000_000L;

  private PerSampleMemory() {}

  /** The number of parameters of a pytree: the sum of its leaves' sizes. */
  static long parameterCount(Object params) {
    long n = 0;
    for (Tensor leaf : Tree.leaves(params)) {
      n += leaf.size();
    }
    return n;
  }

  /** The bytes of {@code batch} per-sample gradients of {@code params} in F32. */
  static long perSampleGradientBytes(Object params, int batch) {
    return parameterCount(params) * batch * Float.BYTES;
  }

  public static void main(String[] args) {
    if (args.length == 0) {
      throw new IllegalArgumentException(
          "usage: PerSampleMemory allocated [rows...] | PerSampleMemory calls N row");
    }
    ModelsPerSampleReductionsBenchmark b = new ModelsPerSampleReductionsBenchmark();
    b.setUp();
    // setup_only: no call, the floor every row's heap includes (both models, data, compilers)
    Map<String, Supplier<Object>> rows = new java.util.LinkedHashMap<>();
    rows.put("setup_only", () -> null);
    rows.putAll(ModelsPerSampleReductionsBenchmark.rows(b));
    switch (args[0]) {
      case "allocated" -> allocated(b, rows, Arrays.asList(args).subList(1, args.length));
      case "calls" -> calls(rows, Integer.parseInt(args[1]), args[2]);
      default ->
          throw new IllegalArgumentException(
              "PerSampleMemory: unknown mode " + args[0] + "; modes: allocated, calls");
    }
  }

  private static Supplier<Object> row(Map<String, Supplier<Object>> rows, String name) {
    Supplier<Object> call = rows.get(name);
    if (call == null) {
      throw new IllegalArgumentException(
          "PerSampleMemory: no row " + name + "; rows: " + rows.keySet());
    }
    return call;
  }

  private static void calls(Map<String, Supplier<Object>> rows, int n, String name) {
    Supplier<Object> call = row(rows, name);
    try {
      for (int i = 0; i < n; i++) {
        call.get();
      }
    } catch (OutOfMemoryError e) {
      System.out.println("OOM " + name + " at call: " + e.getMessage());
      System.exit(3);
    }
    System.out.println("OK " + name);
  }

  private static void allocated(
      ModelsPerSampleReductionsBenchmark b,
      Map<String, Supplier<Object>> rows,
      List<String> names) {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long self = Thread.currentThread().getId();
    int cnnBatch = b.models.images.shape()[0];
    int blockBatch = b.models.sequences.shape()[0];
    System.out.printf(
        "cnn: P = %d parameters, B = %d: per-sample gradients %.1f MB%n",
        parameterCount(b.models.cnn),
        cnnBatch,
        perSampleGradientBytes(b.models.cnn, cnnBatch) / 1e6);
    System.out.printf(
        "transformer: P = %d parameters, B = %d: per-sample gradients %.1f MB%n",
        parameterCount(b.models.block),
        blockBatch,
        perSampleGradientBytes(b.models.block, blockBatch) / 1e6);
    List<String> chosen = names.isEmpty() ? new ArrayList<>(rows.keySet()) : names;
    // every row warmed before any is measured: the kernels' Vector API code allocates a box per
    // vector until C2 has compiled it, and rows share kernels (the first row of a JVM warmed 1 s
    // alone still allocated 50 MB a call through that fallback, 1.5 MB once compiled)
    for (String name : chosen) {
      Supplier<Object> call = row(rows, name);
      long warmUpStart = threads.getCurrentThreadCpuTime();
      for (int i = 0; i < 3 || threads.getCurrentThreadCpuTime() - warmUpStart < WARM_UP_NS; i++) {
        call.get();
      }
    }
    for (String name : chosen) {
      Supplier<Object> call = row(rows, name);
      for (int i = 0; i < 3; i++) {
        call.get();
      }
      long[] bytes = new long[MEASURED_CALLS];
      for (int i = 0; i < bytes.length; i++) {
        long before = threads.getThreadAllocatedBytes(self);
        call.get();
        bytes[i] = threads.getThreadAllocatedBytes(self) - before;
      }
      Arrays.sort(bytes);
      System.out.printf(
          "%-30s allocated per call: median %9.2f MB, min %9.2f MB (%d calls)%n",
          name, bytes[bytes.length / 2] / 1e6, bytes[0] / 1e6, bytes.length);
    }
  }
}
