package org.vmap4j.benchmarks;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
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
 * A per-row solver: Newton's method for y^3 + y = a on 2^20 rows (F64), written for one row with
 * {@code Func.whileLoop} and run as {@code jit(vmap(solve))} (one batched loop over one number per
 * row, which the CPU runs as a generated loop over the rows, four at a time: see {@code
 * RowWhileLoop}), against a plain Java loop over the rows, each with its own Newton loop, in one
 * run. Both stop a row when its step is below 1e-12. Run: {@code java -jar
 * benchmarks/target/benchmarks.jar ControlFlow}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xmx3g", "--add-modules=jdk.incubator.vector", "-Dvmap4j.threads=1"})
public class ControlFlowBenchmark {
  static final int N = 1 << 20;

  Tensor a;
  double[] values;
  Function<Tensor, Tensor> batched;

  /** One row: Newton from 0 until the step is below 1e-12 (at most 50 steps). */
  static Tensor solve(Tensor a) {
    List<Tensor> out =
        Func.whileLoop(
            (List<Tensor> s) -> s.get(1).abs().gt(1e-12),
            (List<Tensor> s) -> {
              Tensor y = s.get(0);
              Tensor step = y.mul(y).mul(y).add(y).sub(a).div(y.mul(y).mul(3).add(1));
              return List.of(y.sub(step), step);
            },
            List.of(a.mul(0.0), Tensor.scalar(DType.F64, 1)));
    return out.get(0);
  }

  @Setup
  public void setUp() {
    a = Tensor.randomUniform(1, DType.F64, N).mul(100).sub(50);
    values = a.toDoubleArray();
    batched = Func.jit(Func.vmap(ControlFlowBenchmark::solve));
    double[] check = batched.apply(a).toDoubleArray();
    double[] plain = plainLoop(values);
    for (int i = 0; i < N; i++) {
      if (Math.abs(check[i] - plain[i]) > 1e-9) {
        throw new IllegalStateException("row " + i + ": " + check[i] + " vs " + plain[i]);
      }
    }
  }

  @Benchmark
  public Tensor jitVmapWhileLoop() {
    return batched.apply(a);
  }

  @Benchmark
  public double[] plainJavaPerRow() {
    return plainLoop(values);
  }

  static double[] plainLoop(double[] a) {
    double[] out = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      double y = 0;
      double step = 1;
      while (Math.abs(step) > 1e-12) {
        step = (y * y * y + y - a[i]) / (3 * y * y + 1);
        y -= step;
      }
      out[i] = y;
    }
    return out;
  }
}
