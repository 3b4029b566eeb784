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
import org.vmap4j.InDims;
import org.vmap4j.Tensor;

/**
 * Per-sample gradients of logistic regression (the peers' workload 4: B=4096, D=256, F32) with
 * {@code vmap(grad(loss))}, against the per-sample loop of {@code grad(loss)} and the closed form
 * {@code (sigmoid(x . w) - y) * x}, in one run. Run: {@code java -jar
 * benchmarks/target/benchmarks.jar PerSampleGrad}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xmx3g", "--add-modules=jdk.incubator.vector", "-Dvmap4j.threads=1"})
public class PerSampleGradBenchmark {
  static final int B = 4096;
  static final int D = 256;

  Tensor w;
  Tensor x;
  Tensor y;
  BiFunction<Tensor, Tensor[], Tensor> perSample;

  /** Binary cross-entropy of one sample {x, y} from logits, stable for large |z|. */
  static Tensor loss(Tensor w, Tensor[] sample) {
    Tensor z = sample[0].dot(w);
    return z.relu().add(z.abs().neg().exp().log1p()).sub(sample[1].mul(z));
  }

  @Setup
  public void setUp() {
    w = Tensor.randomNormal(1, DType.F32, D).mul(0.1);
    x = Tensor.randomNormal(2, DType.F32, B, D);
    y = Tensor.randomUniform(3, DType.F32, B).gt(0.5).astype(DType.F32);
    perSample = Func.vmap(Func.grad(PerSampleGradBenchmark::loss), InDims.of(null, 0));
  }

  @Benchmark
  public Tensor vmapGrad() {
    return perSample.apply(w, new Tensor[] {x, y});
  }

  @Benchmark
  @Warmup(iterations = 1, time = 1)
  @Measurement(iterations = 3, time = 1)
  public Tensor perSampleLoop() {
    return loop(w, x, y);
  }

  @Benchmark
  public Tensor closedForm() {
    return closed(w, x, y);
  }

  static Tensor loop(Tensor w, Tensor x, Tensor y) {
    BiFunction<Tensor, Tensor[], Tensor> g = Func.grad(PerSampleGradBenchmark::loss);
    int n = x.shape()[0];
    Tensor[] grads = new Tensor[n];
    for (int i = 0; i < n; i++) {
      grads[i] = g.apply(w, new Tensor[] {x.index(0, i), y.index(0, i)});
    }
    return Tensor.stack(0, grads);
  }

  static Tensor closed(Tensor w, Tensor x, Tensor y) {
    return x.matmul(w).sigmoid().sub(y).unsqueeze(1).mul(x);
  }
}
