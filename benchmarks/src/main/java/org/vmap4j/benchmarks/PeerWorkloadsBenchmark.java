package org.vmap4j.benchmarks;

import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
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
 * The peer script's workloads, each eager (the transforms over eager primitives), compiled ({@code
 * jit} of the same transformed function) and handwritten (batched tensor code), in one run. Run:
 * {@code java -jar benchmarks/target/benchmarks.jar PeerWorkloads}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xmx4g", "--add-modules=jdk.incubator.vector", "-Dvmap4j.threads=1"})
public class PeerWorkloadsBenchmark {
  Tensor dotX;
  Tensor dotY;
  BiFunction<Tensor, Tensor, Tensor> dotJit;

  PeerWorkloads.Mlp mlp;
  Tensor mlpX;
  Function<Tensor, Tensor> mlpEager;
  Function<Tensor, Tensor> mlpJit;
  Function<Tensor, Tensor> mlpRowMajorJit;

  Tensor jacX;
  Function<Tensor, Tensor> jacEager;
  Function<Tensor, Tensor> jacJit;

  Tensor w256;
  PeerWorkloads.Sample s4096;
  Tensor w64;
  PeerWorkloads.Sample s65536;
  BiFunction<Tensor, PeerWorkloads.Sample, Tensor> logisticJit;
  BiFunction<Tensor, PeerWorkloads.Sample, Tensor> logisticParamsFirstJit;

  PeerWorkloads.Mlp mlp5;
  PeerWorkloads.Sample s1024;
  BiFunction<PeerWorkloads.Mlp, PeerWorkloads.Sample, PeerWorkloads.Mlp> mlpGradJit;
  BiFunction<PeerWorkloads.Mlp, PeerWorkloads.Sample, PeerWorkloads.Mlp> mlpGradRowMajorJit;

  Tensor hessA;
  Tensor hessX;
  Function<Tensor, Tensor> hessEager;
  Function<Tensor, Tensor> hessJit;

  @Setup
  public void setUp() {
    dotX = Tensor.randomNormal(1, DType.F32, 65536, 64);
    dotY = Tensor.randomNormal(2, DType.F32, 65536, 64);
    dotJit = Func.jit(PeerWorkloads.BATCHED_DOT);

    mlp = PeerWorkloads.Mlp.random(3, 128, 256, 10);
    mlpX = Tensor.randomNormal(4, DType.F32, 4096, 128);
    mlpEager = Func.vmap((Tensor x) -> PeerWorkloads.mlpForward(mlp, x));
    mlpJit = Func.jit(mlpEager);
    mlpRowMajorJit = Func.jit(Func.vmap((Tensor x) -> PeerWorkloads.mlpForwardRowMajor(mlp, x)));

    jacX = Tensor.randomNormal(5, DType.F32, 256);
    jacEager = Func.jacrev(PeerWorkloads.SIN_X_SQ);
    jacJit = Func.jit(jacEager);

    w256 = Tensor.randomNormal(6, DType.F32, 256).div(16);
    s4096 =
        new PeerWorkloads.Sample(
            Tensor.randomNormal(7, DType.F32, 4096, 256),
            Tensor.randomUniform(8, DType.F32, 4096).gt(0.5).astype(DType.F32));
    w64 = Tensor.randomNormal(9, DType.F32, 64).div(8);
    s65536 =
        new PeerWorkloads.Sample(
            Tensor.randomNormal(10, DType.F32, 65536, 64),
            Tensor.randomUniform(11, DType.F32, 65536).gt(0.5).astype(DType.F32));
    logisticJit = Func.jit(PeerWorkloads.LOGISTIC_PER_SAMPLE);
    logisticParamsFirstJit = Func.jit(PeerWorkloads.LOGISTIC_PER_SAMPLE_PARAMS_FIRST);

    mlp5 = PeerWorkloads.Mlp.random(12, 128, 256, 10);
    Tensor classes = Tensor.randomUniform(13, DType.F32, 1024).mul(10).astype(DType.I64);
    s1024 =
        new PeerWorkloads.Sample(
            Tensor.randomNormal(14, DType.F32, 1024, 128),
            Tensor.arange(10).unsqueeze(0).eq(classes.unsqueeze(1)).astype(DType.F32));
    mlpGradJit = Func.jit(PeerWorkloads.MLP_PER_SAMPLE);
    mlpGradRowMajorJit = Func.jit(PeerWorkloads.MLP_PER_SAMPLE_ROW_MAJOR);

    hessA = Tensor.randomNormal(15, DType.F32, 128, 128).div(Math.sqrt(128));
    hessX = Tensor.randomNormal(16, DType.F32, 128);
    hessEager = Func.hessian(PeerWorkloads.sumTanhAx(hessA));
    hessJit = Func.jit(hessEager);
  }

  @Benchmark
  public Tensor w1DotEager() {
    return PeerWorkloads.BATCHED_DOT.apply(dotX, dotY);
  }

  @Benchmark
  public Tensor w1DotJit() {
    return dotJit.apply(dotX, dotY);
  }

  @Benchmark
  public Tensor w1DotHand() {
    return PeerWorkloads.batchedDotHand(dotX, dotY);
  }

  @Benchmark
  public Tensor w2MlpEager() {
    return mlpEager.apply(mlpX);
  }

  @Benchmark
  public Tensor w2MlpJit() {
    return mlpJit.apply(mlpX);
  }

  /** The same forward pass written {@code x.matmul(W.T)}: must cost as the row above. */
  @Benchmark
  public Tensor w2MlpJitRowMajor() {
    return mlpRowMajorJit.apply(mlpX);
  }

  @Benchmark
  public Tensor w2MlpHand() {
    return PeerWorkloads.mlpForwardHand(mlp, mlpX);
  }

  @Benchmark
  public Tensor w3aJacrevEager() {
    return jacEager.apply(jacX);
  }

  @Benchmark
  public Tensor w3aJacrevJit() {
    return jacJit.apply(jacX);
  }

  @Benchmark
  public Tensor w3aJacobianHand() {
    return PeerWorkloads.sinXSqJacobianHand(jacX);
  }

  @Benchmark
  public Tensor w4aLogisticB4096Eager() {
    return PeerWorkloads.LOGISTIC_PER_SAMPLE.apply(w256, s4096);
  }

  @Benchmark
  public Tensor w4aLogisticB4096Jit() {
    return logisticJit.apply(w256, s4096);
  }

  /** The same gradient with the loss written {@code w.dot(x)}: must cost as the row above. */
  @Benchmark
  public Tensor w4aLogisticB4096JitParamsFirst() {
    return logisticParamsFirstJit.apply(w256, s4096);
  }

  @Benchmark
  public Tensor w4aLogisticB4096EagerParamsFirst() {
    return PeerWorkloads.LOGISTIC_PER_SAMPLE_PARAMS_FIRST.apply(w256, s4096);
  }

  @Benchmark
  public Tensor w4aLogisticB4096Hand() {
    return PeerWorkloads.logisticHand(w256, s4096.x(), s4096.y());
  }

  @Benchmark
  public Tensor w4bLogisticB65536Eager() {
    return PeerWorkloads.LOGISTIC_PER_SAMPLE.apply(w64, s65536);
  }

  @Benchmark
  public Tensor w4bLogisticB65536Jit() {
    return logisticJit.apply(w64, s65536);
  }

  @Benchmark
  public Tensor w4bLogisticB65536Hand() {
    return PeerWorkloads.logisticHand(w64, s65536.x(), s65536.y());
  }

  @Benchmark
  public PeerWorkloads.Mlp w5MlpGradsEager() {
    return PeerWorkloads.MLP_PER_SAMPLE.apply(mlp5, s1024);
  }

  @Benchmark
  public PeerWorkloads.Mlp w5MlpGradsJit() {
    return mlpGradJit.apply(mlp5, s1024);
  }

  /** The same gradients with the model written {@code x.matmul(W.T)}. */
  @Benchmark
  public PeerWorkloads.Mlp w5MlpGradsJitRowMajor() {
    return mlpGradRowMajorJit.apply(mlp5, s1024);
  }

  @Benchmark
  public PeerWorkloads.Mlp w5MlpGradsHand() {
    return PeerWorkloads.mlpPerSampleHand(mlp5, s1024.x(), s1024.y());
  }

  @Benchmark
  public Tensor w6aHessianEager() {
    return hessEager.apply(hessX);
  }

  @Benchmark
  public Tensor w6aHessianJit() {
    return hessJit.apply(hessX);
  }

  @Benchmark
  public Tensor w6aHessianHand() {
    return PeerWorkloads.sumTanhAxHessianHand(hessA, hessX);
  }
}
