package org.vmap4j.benchmarks;

import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
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
import org.vmap4j.Func;
import org.vmap4j.Tensor;

/**
 * The torch.vmap tutorial's first case at the peers' size: N=65536 dot products of D=64 F32
 * vectors, as {@code vmap(Tensor::dot)}, as a per-example loop of {@code dot} calls, and as a
 * handwritten batched loop over plain arrays, in one run. Run: {@code java -jar
 * benchmarks/target/benchmarks.jar VmapDot}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xmx2g", "--add-modules=jdk.incubator.vector", "-Dvmap4j.threads=1"})
public class VmapDotBenchmark {
  static final int N = 65536;
  static final int D = 64;

  Tensor x;
  Tensor y;
  float[] xs;
  float[] ys;
  float[] out;
  BiFunction<Tensor, Tensor, Tensor> batchedDot;

  @Setup
  public void setUp() {
    x = Tensor.randomNormal(1, DType.F32, N, D);
    y = Tensor.randomNormal(2, DType.F32, N, D);
    xs = x.toFloatArray();
    ys = y.toFloatArray();
    out = new float[N];
    batchedDot = Func.vmap(Tensor::dot);
  }

  @Benchmark
  public Tensor vmapDot() {
    return batchedDot.apply(x, y);
  }

  @Benchmark
  @Warmup(iterations = 1, time = 1)
  @Measurement(iterations = 3, time = 1)
  public Tensor perExampleLoop() {
    return perExample(x, y);
  }

  @Benchmark
  public float[] handwrittenBatchedLoop() {
    return handwritten(xs, ys, out, N, D);
  }

  static Tensor perExample(Tensor x, Tensor y) {
    int n = x.shape()[0];
    Tensor[] dots = new Tensor[n];
    for (int i = 0; i < n; i++) {
      dots[i] = x.index(0, i).dot(y.index(0, i));
    }
    return Tensor.stack(0, dots);
  }

  static float[] handwritten(float[] x, float[] y, float[] out, int n, int d) {
    for (int i = 0; i < n; i++) {
      float s = 0;
      for (int j = 0; j < d; j++) {
        s += x[i * d + j] * y[i * d + j];
      }
      out[i] = s;
    }
    return out;
  }
}
