package org.vmap4j.benchmarks;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.vmap4j.DType;
import org.vmap4j.Fn3;
import org.vmap4j.Func;
import org.vmap4j.InDims;
import org.vmap4j.PerSampleGrads;
import org.vmap4j.PerSampleGrads.LabeledBatch;
import org.vmap4j.Tensor;
import org.vmap4j.benchmarks.ModelsPerSampleGradBenchmark.Block;
import org.vmap4j.benchmarks.ModelsPerSampleGradBenchmark.Cnn;

/**
 * Issue 19's rows for issue 17's models: per-sample gradient norms, clipped sum, dot with a
 * reference and projection to k=1024 ({@link PerSampleGrads}, compiled, so the compiler's rewrites
 * run where they apply) of the CNN (3x32x32, B=256) and the transformer block (sequence 32, width
 * 128, 4 heads, B=64) of {@link ModelsPerSampleGradBenchmark}, F32, one thread; plus the ordinary
 * batch gradient (the clipped sum's floor). Compare with {@code
 * benchmarks/functorch/persample_bench.py --models --cpu-time} in the same sitting.
 *
 * <p>JMH: {@code java -jar benchmarks/target/benchmarks.jar ModelsPerSampleReductions}. CPU time of
 * the calling thread (the figures docs/performance.md records on a shared machine): {@code java
 * --add-modules jdk.incubator.vector -Dvmap4j.threads=1 -Xss8m -Xmx4g -cp
 * benchmarks/target/benchmarks.jar org.vmap4j.benchmarks.ModelsPerSampleReductionsBenchmark
 * [rows...]}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {
      "-Xmx4g",
      "-Xss8m",
      "--add-modules=jdk.incubator.vector",
      "-Dvmap4j.threads=1"
    })
public class ModelsPerSampleReductionsBenchmark {
  static final int K = 1024;

  ModelsPerSampleGradBenchmark models;
  PerSampleGrads<Cnn, LabeledBatch<Tensor, Tensor>> cnnReductions;
  LabeledBatch<Tensor, Tensor> images;
  Cnn cnnReference;
  PerSampleGrads<Block, LabeledBatch<Tensor, Tensor>> blockReductions;
  LabeledBatch<Tensor, Tensor> sequences;
  Block blockReference;
  Fn3<Cnn, Tensor, Tensor, Cnn> cnnBatchGradient;
  Fn3<Block, Tensor, Tensor, Block> blockBatchGradient;
  Fn3<Cnn, Tensor, Tensor, Tensor> cnnForward;
  Fn3<Block, Tensor, Tensor, Tensor> blockForward;

  @Setup
  public void setUp() {
    models = new ModelsPerSampleGradBenchmark();
    models.setUp();
    DType f32 = DType.F32;
    cnnReductions = PerSampleGrads.of(ModelsPerSampleGradBenchmark::cnnLoss);
    images = new LabeledBatch<>(models.images, models.imageLabels);
    cnnReference =
        new Cnn(
            ModelsPerSampleGradBenchmark.CONV1.init(21, f32),
            ModelsPerSampleGradBenchmark.NORM1.init(22, f32),
            ModelsPerSampleGradBenchmark.CONV2.init(23, f32),
            ModelsPerSampleGradBenchmark.NORM2.init(24, f32),
            ModelsPerSampleGradBenchmark.CNN_FC.init(25, f32));
    blockReductions = PerSampleGrads.of(ModelsPerSampleGradBenchmark::blockLoss);
    sequences = new LabeledBatch<>(models.sequences, models.sequenceLabels);
    blockReference =
        new Block(
            ModelsPerSampleGradBenchmark.ENCODER.init(26, f32),
            ModelsPerSampleGradBenchmark.BLOCK_FC.init(27, f32));
    cnnForward = summedLoss(ModelsPerSampleGradBenchmark::cnnLoss);
    blockForward = summedLoss(ModelsPerSampleGradBenchmark::blockLoss);
    cnnBatchGradient =
        Func.jit(
            Func.grad(
                (Cnn p, Tensor x, Tensor y) ->
                    Func.vmap(ModelsPerSampleGradBenchmark::cnnLoss, InDims.of(null, 0, 0))
                        .apply(p, x, y)
                        .sum()));
    blockBatchGradient =
        Func.jit(
            Func.grad(
                (Block p, Tensor x, Tensor y) ->
                    Func.vmap(ModelsPerSampleGradBenchmark::blockLoss, InDims.of(null, 0, 0))
                        .apply(p, x, y)
                        .sum()));
  }

  /**
   * The summed batch loss alone, no derivative: a floor for any per-sample reduction, which needs
   * at least the forward pass (issue 19's CNN rows are compared with it in docs/performance.md).
   */
  @Benchmark
  public Tensor cnnForward() {
    return cnnForward.apply(models.cnn, models.images, models.imageLabels);
  }

  @Benchmark
  public Tensor transformerForward() {
    return blockForward.apply(models.block, models.sequences, models.sequenceLabels);
  }

  @Benchmark
  public Tensor cnnNorms() {
    return cnnReductions.norms(models.cnn, images);
  }

  @Benchmark
  public Cnn cnnClippedSum() {
    return cnnReductions.clippedSum(models.cnn, images, 1.0);
  }

  @Benchmark
  public Cnn cnnBatchGradient() {
    return cnnBatchGradient.apply(models.cnn, models.images, models.imageLabels);
  }

  @Benchmark
  public Tensor cnnDot() {
    return cnnReductions.dot(models.cnn, images, cnnReference);
  }

  @Benchmark
  public Tensor cnnProjectK1024() {
    return cnnReductions.project(models.cnn, images, K, 7L);
  }

  @Benchmark
  public Tensor transformerNorms() {
    return blockReductions.norms(models.block, sequences);
  }

  @Benchmark
  public Block transformerClippedSum() {
    return blockReductions.clippedSum(models.block, sequences, 1.0);
  }

  @Benchmark
  public Block transformerBatchGradient() {
    return blockBatchGradient.apply(models.block, models.sequences, models.sequenceLabels);
  }

  @Benchmark
  public Tensor transformerDot() {
    return blockReductions.dot(models.block, sequences, blockReference);
  }

  @Benchmark
  public Tensor transformerProjectK1024() {
    return blockReductions.project(models.block, sequences, K, 7L);
  }

  /** The jit-compiled sum over the batch of a per-example loss. */
  private static <P> Fn3<P, Tensor, Tensor, Tensor> summedLoss(
      Fn3<P, Tensor, Tensor, Tensor> loss) {
    return Func.jit(
        (P p, Tensor x, Tensor y) -> Func.vmap(loss, InDims.of(null, 0, 0)).apply(p, x, y).sum());
  }

  /**
   * The rows of {@link #main} by name, each one call on a set-up instance (also run by {@link
   * PerSampleMemory} for its memory figures).
   */
  static Map<String, Supplier<Object>> rows(ModelsPerSampleReductionsBenchmark b) {
    Map<String, Supplier<Object>> rows = new LinkedHashMap<>();
    rows.put("cnn_forward", b::cnnForward);
    rows.put("cnn_per_sample_grads", b.models::cnn);
    rows.put("cnn_norms", b::cnnNorms);
    rows.put("cnn_clipped_sum", b::cnnClippedSum);
    rows.put("cnn_batch_gradient", b::cnnBatchGradient);
    rows.put("cnn_dot", b::cnnDot);
    rows.put("cnn_project_k1024", b::cnnProjectK1024);
    rows.put("transformer_forward", b::transformerForward);
    rows.put("transformer_per_sample_grads", b.models::transformer);
    rows.put("transformer_norms", b::transformerNorms);
    rows.put("transformer_clipped_sum", b::transformerClippedSum);
    rows.put("transformer_batch_gradient", b::transformerBatchGradient);
    rows.put("transformer_dot", b::transformerDot);
    rows.put("transformer_project_k1024", b::transformerProjectK1024);
    return rows;
  }

  /** Each named row (all when none is named): thread CPU time per call, median and best. */
  public static void main(String[] args) {
    ModelsPerSampleReductionsBenchmark b = new ModelsPerSampleReductionsBenchmark();
    b.setUp();
    Map<String, Supplier<Object>> rows = rows(b);
    List<String> chosen = args.length == 0 ? new ArrayList<>(rows.keySet()) : List.of(args);
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    List<Supplier<Object>> calls = new ArrayList<>();
    for (String name : chosen) {
      Supplier<Object> call = rows.get(name);
      if (call == null) {
        throw new IllegalArgumentException(
            "ModelsPerSampleReductionsBenchmark: no row " + name + "; rows: " + rows.keySet());
      }
      calls.add(call);
    }
    boolean interleaved = Boolean.getBoolean("vmap4j.bench.interleavedWarmUp");
    if (interleaved) {
      warmUp(calls, threads);
    }
    for (int r = 0; r < chosen.size(); r++) {
      String name = chosen.get(r);
      Supplier<Object> call = calls.get(r);
      if (!interleaved) {
        warmUp(List.of(call), threads);
      }
      double[] ms = new double[10];
      for (int i = 0; i < ms.length; i++) {
        long t0 = threads.getCurrentThreadCpuTime();
        call.get();
        ms[i] = (threads.getCurrentThreadCpuTime() - t0) / 1e6;
      }
      Arrays.sort(ms);
      System.out.printf(
          "%-30s thread CPU time per call: median %8.1f ms, min %8.1f ms (%d calls)%n",
          name, ms[ms.length / 2], ms[0], ms.length);
    }
  }

  /**
   * Warms {@code calls} in turns of one call each: at least 3 s of this thread's CPU time per call
   * (in all, not row by row), then on until the JIT has compiled nothing for 2 s of turns (at most
   * 120 s in all). By default each row is warmed this way just before it is timed: a 3 s warm-up
   * alone ended, under load, before C2 had compiled the transformer's generated erf loops (11-14 s
   * into the JVM, docs/performance.md, "One vector width for the generated loops"); three calls
   * alone left the first row mostly in interpreted and C1 code. {@code
   * -Dvmap4j.bench.interleavedWarmUp=true} warms all rows together before timing any: it reproduces
   * the slow compilation of {@code VectorGemm.tile} that docs/performance.md describes ("The final
   * sitting of the day"), which warming row by row has not shown.
   */
  private static void warmUp(List<Supplier<Object>> calls, ThreadMXBean threads) {
    CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    long start = threads.getCurrentThreadCpuTime();
    long minimum = 3_000_000_000L * calls.size();
    long quietSince = start;
    long compiled = jit.getTotalCompilationTime();
    long now = start;
    while (now - start < minimum || now - quietSince < 2_000_000_000L) {
      if (now - start > 120_000_000_000L) {
        System.out.println("# warm-up stopped at 120 s with the JIT still compiling");
        break;
      }
      for (Supplier<Object> call : calls) {
        call.get();
      }
      now = threads.getCurrentThreadCpuTime();
      long c = jit.getTotalCompilationTime();
      if (c != compiled) {
        compiled = c;
        quietSince = now;
      }
    }
    System.out.printf(
        "# warm-up: %.1f s of thread CPU time over %d rows%n", (now - start) / 1e9, calls.size());
  }
}
