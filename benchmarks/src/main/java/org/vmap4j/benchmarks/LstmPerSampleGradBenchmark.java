package org.vmap4j.benchmarks;

import static org.vmap4j.Func.grad;
import static org.vmap4j.Func.jit;
import static org.vmap4j.Func.vmap;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.vmap4j.DType;
import org.vmap4j.Fn3;
import org.vmap4j.InDims;
import org.vmap4j.Tensor;
import org.vmap4j.nn.Functional;
import org.vmap4j.nn.Linear;
import org.vmap4j.nn.Lstm;

/**
 * Issue 18's LSTM target: per-sample gradients {@code jit(vmap(grad(loss)))} of an LSTM classifier
 * (B = 256 sequences of T = 32 steps, input 32, hidden 64, a linear head to 10 classes on the last
 * hidden state, cross-entropy), the LSTM nn's {@link Lstm} (a {@code Func.scan} over time), one
 * thread, F64 and F32. The reference is functorch's {@code vmap(grad)} of the same loss written as
 * a Python loop over time, {@code benchmarks/python/lstm_per_sample_torch_bench.py}, run in the
 * same sitting. (That the two compute the same per-sample gradients, to 1e-9 in F64, is nn's {@code
 * RecurrentConformanceTest.lstmClassifierPerSampleGradients}, on smaller shapes.)
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar LstmPerSampleGrad}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {
      "-Xmx3g",
      "-Xss8m",
      "--add-modules=jdk.incubator.vector",
      "-Dvmap4j.threads=1"
    })
public class LstmPerSampleGradBenchmark {
  static final int BATCH = 256;
  static final int STEPS = 32;
  static final int INPUT = 32;
  static final int HIDDEN = 64;
  static final int CLASSES = 10;
  static final Lstm LSTM = new Lstm(INPUT, HIDDEN);
  static final Linear HEAD = new Linear(HIDDEN, CLASSES);

  /** The classifier's parameters: the LSTM's and the head's. */
  public record Classifier(Lstm.Params rnn, Linear.Params head) {}

  /** One example: {@code seq [T, I]}, {@code label} a 0-d integer class. */
  static Tensor loss(Classifier p, Tensor seq, Tensor label) {
    Tensor last = LSTM.run(p.rnn(), seq, null, null).h().squeeze(0);
    return Functional.crossEntropy(HEAD.apply(p.head(), last), label);
  }

  @Param({"F64", "F32"})
  public String dtype;

  Classifier params;
  Tensor sequences;
  Tensor labels;
  Fn3<Classifier, Tensor, Tensor, Classifier> perSample;

  @Setup
  public void setUp() {
    DType d = DType.valueOf(dtype);
    params = new Classifier(LSTM.init(1, d), HEAD.init(2, d));
    sequences = Tensor.randomNormal(3, d, BATCH, STEPS, INPUT);
    long[] y = new long[BATCH];
    for (int i = 0; i < BATCH; i++) {
      y[i] = (7L * i) % CLASSES;
    }
    labels = Tensor.of(y, BATCH);
    perSample = jit(vmap(grad(LstmPerSampleGradBenchmark::loss), InDims.of(null, 0, 0)));
  }

  @Benchmark
  public Classifier jitVmapGrad() {
    return perSample.apply(params, sequences, labels);
  }
}
