package org.vmap4j.benchmarks;

import java.util.Random;
import java.util.concurrent.TimeUnit;
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
import org.vmap4j.Tensor;

/**
 * Eager {@code gather} through the public API only ({@code Tensor.index} and {@code
 * Tensor.gather}), so that the same source compiles against builds from before and after gather
 * became a kernel description and the two can be compared by {@link CpuTimeAB}. The three cases of
 * {@link IndexedPrimitivesCpuTime}: an embedding lookup (rows of 64), PyTorch-style gather along
 * the last axis (single elements), and a small per-example pick as in a cross-entropy.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar GatherBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xmx2g", "--add-modules=jdk.incubator.vector", "-Dvmap4j.threads=1"})
public class GatherBenchmark {
  Tensor table;
  Tensor tokens;
  Tensor scores;
  Tensor picks;
  Tensor logits;
  Tensor labels;

  @Setup
  public void setUp() {
    Random r = new Random(7);
    table = Tensor.of(floats(r, 10000 * 64), 10000, 64);
    tokens = Tensor.of(r.ints(512, 0, 10000).toArray(), 512);
    scores = Tensor.of(floats(r, 256 * 128), 256, 128);
    picks = Tensor.of(r.longs(256 * 16, 0, 128).toArray(), 256, 16);
    logits = Tensor.of(r.doubles(32 * 10).toArray(), 32, 10);
    labels = Tensor.of(r.ints(32, 0, 10).toArray(), 32, 1);
  }

  private static float[] floats(Random r, int n) {
    float[] f = new float[n];
    for (int k = 0; k < n; k++) {
      f[k] = r.nextFloat();
    }
    return f;
  }

  /** f32[10000,64] by i32[512]: 512 rows of 64. */
  @Benchmark
  public Tensor embeddingLookup() {
    return table.index(0, tokens);
  }

  /** f32[256,128] by i64[256,16] along the last axis. */
  @Benchmark
  public Tensor lastAxis() {
    return scores.gather(1, picks);
  }

  /** f64[32,10] by i32[32,1]: one element per row. */
  @Benchmark
  public Tensor pick() {
    return logits.gather(1, labels);
  }
}
