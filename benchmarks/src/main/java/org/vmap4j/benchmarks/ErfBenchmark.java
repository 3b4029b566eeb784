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
 * The cost of core's own {@code erf} (Java has none; exact GELU needs it) against {@code tanh}
 * ({@code Math.tanh}, the JDK's intrinsic-free libm routine) in the same eager element-wise kernel:
 * 1M F64 elements of N(0, 2), the spread of a GELU's argument x/sqrt(2) for unit-variance
 * activations times two, so that both of erf's ranges (|x| below and above 1) are exercised.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar ErfBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xmx2g", "--add-modules=jdk.incubator.vector", "-Dvmap4j.threads=1"})
public class ErfBenchmark {
  static final int N = 1 << 20;

  Tensor x;

  @Setup
  public void setUp() {
    x = Tensor.randomNormal(1, DType.F64, N).mul(Math.sqrt(2));
  }

  @Benchmark
  public Tensor erf() {
    return x.erf();
  }

  @Benchmark
  public Tensor tanhBaseline() {
    return x.tanh();
  }
}
