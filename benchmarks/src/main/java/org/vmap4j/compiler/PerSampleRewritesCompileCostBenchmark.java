package org.vmap4j.compiler;

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
import org.vmap4j.ir.Program;

/**
 * What {@link PerSampleGradientRewrites}, which runs in every jit compile, costs a program with no
 * per-sample gradient: the batch gradient of a 6-layer MLP (D=128, H=256, B=1024), simplified as
 * the compiler has it when the pass runs. Compared: the whole {@link ProgramCompiler#optimize}, the
 * pass as it runs (the check for a rank-3 reduce_sum, then nothing), and the pass over every
 * equation without that check (what every compile paid before it). In package {@code compiler} to
 * reach the package-private pass. Run: {@code java -jar benchmarks/target/benchmarks.jar
 * PerSampleRewritesCompileCost}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xmx2g", "--add-modules=jdk.incubator.vector", "-Dvmap4j.threads=1"})
public class PerSampleRewritesCompileCostBenchmark {
  record Mlp(Tensor[] weights, Tensor[] biases) {}

  Program traced;
  Program simplified;

  static Tensor loss(Mlp p, Tensor x) {
    Tensor h = x;
    for (int i = 0; i < p.weights().length; i++) {
      h = h.matmul(p.weights()[i]).add(p.biases()[i]).tanh();
    }
    return h.sum();
  }

  @Setup
  public void setUp() {
    int layers = 6;
    Tensor[] w = new Tensor[layers];
    Tensor[] b = new Tensor[layers];
    for (int i = 0; i < layers; i++) {
      w[i] = Tensor.randomNormal(i, DType.F32, i == 0 ? 128 : 256, 256);
      b[i] = Tensor.zeros(DType.F32, 256);
    }
    Mlp mlp = new Mlp(w, b);
    Tensor xs = Tensor.randomNormal(99, DType.F32, 1024, 128);
    BiFunction<Mlp, Tensor, Mlp> batchGradient =
        Func.grad(
            (Mlp p, Tensor x) ->
                Func.vmap(PerSampleRewritesCompileCostBenchmark::loss, InDims.of(null, 0))
                    .apply(p, x)
                    .sum());
    traced = Func.trace(batchGradient, mlp, xs);
    Program q = AlgebraicSimplification.run(traced);
    q = CommonSubexpressions.run(q);
    q = ConstantFolding.run(q);
    q = AlgebraicSimplification.run(q);
    simplified = CommonSubexpressions.run(q);
    if (PerSampleGradientRewrites.hasCandidate(simplified)) {
      throw new IllegalStateException("the benchmark's program must hold no per-sample pattern");
    }
  }

  @Benchmark
  public Program optimizeWhole() {
    return ProgramCompiler.optimize(traced);
  }

  @Benchmark
  public Program rewritesAsRun() {
    return PerSampleGradientRewrites.run(simplified);
  }

  @Benchmark
  public Program rewritesOverEveryEquation() {
    return PerSampleGradientRewrites.rewriteAll(simplified);
  }
}
