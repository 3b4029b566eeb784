package org.vmap4j.benchmarks;

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
import org.vmap4j.DType;
import org.vmap4j.Tensor;

/**
 * Core I's eager CPU backend against its baselines, measured in the same run:
 *
 * <ul>
 *   <li>an element-wise chain {@code tanh(x * a + b) * c} over 1M F32 elements (four primitives,
 *       each a pass over memory) against one plain {@code System.arraycopy} of the same 4 MB and
 *       against the same arithmetic as one hand-written fused Java loop;
 *   <li>the chain without the transcendental, {@code (x * a + b) * c}, to separate the cost of the
 *       passes over memory from that of {@code Math.tanh};
 *   <li>a 512x512 F32 matrix product against a naive i-j-k triple loop.
 * </ul>
 *
 * Run: {@code java -jar benchmarks/target/benchmarks.jar EagerCore}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xmx2g", "--add-modules=jdk.incubator.vector", "-Dvmap4j.threads=1"})
public class EagerCoreBenchmark {
  static final int N = 1 << 20;
  static final int M = 512;

  Tensor x;
  Tensor a;
  Tensor b;
  Tensor c;
  float[] source;
  float[] aArray;
  float[] bArray;
  float[] cArray;
  float[] destination;

  Tensor left;
  Tensor right;
  float[] leftArray;
  float[] rightArray;

  @Setup
  public void setUp() {
    x = Tensor.randomNormal(1, DType.F32, N);
    a = Tensor.randomNormal(2, DType.F32, N);
    b = Tensor.randomNormal(3, DType.F32, N);
    c = Tensor.randomNormal(4, DType.F32, N);
    source = x.toFloatArray();
    aArray = a.toFloatArray();
    bArray = b.toFloatArray();
    cArray = c.toFloatArray();
    destination = new float[N];
    left = Tensor.randomNormal(5, DType.F32, M, M);
    right = Tensor.randomNormal(6, DType.F32, M, M);
    leftArray = left.toFloatArray();
    rightArray = right.toFloatArray();
  }

  @Benchmark
  public Tensor elementwiseChain() {
    return chain(x, a, b, c);
  }

  @Benchmark
  public Tensor arithmeticChain() {
    return x.mul(a).add(b).mul(c);
  }

  @Benchmark
  public float[] handFusedLoop() {
    return fusedLoop(source, aArray, bArray, cArray, destination);
  }

  @Benchmark
  public float[] copyBaseline() {
    System.arraycopy(source, 0, destination, 0, N);
    return destination;
  }

  @Benchmark
  public Tensor matmul512() {
    return left.matmul(right);
  }

  @Benchmark
  public float[] naiveTripleLoop512() {
    return naiveMatmul(leftArray, rightArray, M);
  }

  static Tensor chain(Tensor x, Tensor a, Tensor b, Tensor c) {
    return x.mul(a).add(b).tanh().mul(c);
  }

  /** {@link #chain} as one loop over plain arrays: what fusing the chain into one kernel gives. */
  static float[] fusedLoop(float[] x, float[] a, float[] b, float[] c, float[] out) {
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) Math.tanh(x[i] * a[i] + b[i]) * c[i];
    }
    return out;
  }

  /** The textbook loop: for each output element, a dot product down a column of B. */
  static float[] naiveMatmul(float[] a, float[] b, int n) {
    float[] out = new float[n * n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        float s = 0;
        for (int k = 0; k < n; k++) {
          s += a[i * n + k] * b[k * n + j];
        }
        out[i * n + j] = s;
      }
    }
    return out;
  }
}
