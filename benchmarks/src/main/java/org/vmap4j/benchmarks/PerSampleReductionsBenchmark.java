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
import org.vmap4j.Fn3;
import org.vmap4j.Func;
import org.vmap4j.InDims;
import org.vmap4j.PerSampleGrads;
import org.vmap4j.Tensor;
import org.vmap4j.Tree;

/**
 * Reductions of per-sample gradients of the peers' MLP (D=128, H=256, O=10, B=1024, F32), written
 * as a user composes them and compiled by {@code jit} (whose rewrites never form the per-sample
 * weight gradients), beside the ordinary batch gradient and the materialized per-sample gradients;
 * and row 4 (per-sample logistic gradients) with its results written into reused buffers. Compare
 * with {@code benchmarks/functorch/persample_bench.py} run in the same sitting. Run: {@code java
 * -jar benchmarks/target/benchmarks.jar PerSampleReductions}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xmx4g", "--add-modules=jdk.incubator.vector", "-Dvmap4j.threads=1"})
public class PerSampleReductionsBenchmark {
  PeerWorkloads.Mlp mlp;
  PeerWorkloads.Sample batch;
  PeerWorkloads.Mlp reference;

  BiFunction<PeerWorkloads.Mlp, PeerWorkloads.Sample, Tensor> normsComposed;
  BiFunction<PeerWorkloads.Mlp, PeerWorkloads.Sample, PeerWorkloads.Mlp> perSampleGrads;
  BiFunction<PeerWorkloads.Mlp, PeerWorkloads.Sample, PeerWorkloads.Mlp> batchGradient;
  BiFunction<PeerWorkloads.Mlp, PeerWorkloads.Sample, Tensor> batchLoss;
  PerSampleGrads<PeerWorkloads.Mlp, PeerWorkloads.Sample> reductions;

  Tensor w256;
  PeerWorkloads.Sample s4096;
  Tensor w64;
  PeerWorkloads.Sample s65536;
  BiFunction<Tensor, PeerWorkloads.Sample, Tensor> logisticJit;
  Fn3<Tensor, PeerWorkloads.Sample, Tensor, Tensor> logisticReusing4096;
  Fn3<Tensor, PeerWorkloads.Sample, Tensor, Tensor> logisticReusing65536;
  Tensor previous4096;
  Tensor previous65536;

  @Setup
  public void setUp() {
    mlp = PeerWorkloads.Mlp.random(12, 128, 256, 10);
    reference = PeerWorkloads.Mlp.random(40, 128, 256, 10);
    Tensor classes = Tensor.randomUniform(13, DType.F32, 1024).mul(10).astype(DType.I64);
    batch =
        new PeerWorkloads.Sample(
            Tensor.randomNormal(14, DType.F32, 1024, 128),
            Tensor.arange(10).unsqueeze(0).eq(classes.unsqueeze(1)).astype(DType.F32));
    BiFunction<PeerWorkloads.Mlp, PeerWorkloads.Sample, PeerWorkloads.Mlp> grad =
        Func.grad(PeerWorkloads::mlpLoss);
    // vmap of the squared norm of grad, as a user writes it
    normsComposed =
        Func.jit(
            Func.vmap(
                (PeerWorkloads.Mlp p, PeerWorkloads.Sample s) -> {
                  Tensor total = null;
                  for (Tensor g : Tree.leaves(grad.apply(p, s))) {
                    Tensor sq = g.square().sum();
                    total = total == null ? sq : total.add(sq);
                  }
                  return total.sqrt();
                },
                InDims.of(null, 0)));
    perSampleGrads = Func.jit(PeerWorkloads.MLP_PER_SAMPLE);
    batchGradient =
        Func.jit(
            Func.grad(
                (PeerWorkloads.Mlp p, PeerWorkloads.Sample s) ->
                    Func.vmap(PeerWorkloads::mlpLoss, InDims.of(null, 0)).apply(p, s).sum()));
    batchLoss =
        Func.jit(
            (PeerWorkloads.Mlp p, PeerWorkloads.Sample s) ->
                Func.vmap(PeerWorkloads::mlpLoss, InDims.of(null, 0)).apply(p, s).sum());
    reductions = PerSampleGrads.of(PeerWorkloads::mlpLoss);

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
    logisticReusing4096 = Func.jitReusing(PeerWorkloads.LOGISTIC_PER_SAMPLE);
    logisticReusing65536 = Func.jitReusing(PeerWorkloads.LOGISTIC_PER_SAMPLE);
  }

  @Benchmark
  public Tensor mlpNormsComposedJit() {
    return normsComposed.apply(mlp, batch);
  }

  @Benchmark
  public Tensor mlpNormsApi() {
    return reductions.norms(mlp, batch);
  }

  /** The per-sample gradients themselves, compiled (what a norm costs without the rewrite). */
  @Benchmark
  public PeerWorkloads.Mlp mlpPerSampleGradsJit() {
    return perSampleGrads.apply(mlp, batch);
  }

  @Benchmark
  public PeerWorkloads.Mlp mlpClippedSumApi() {
    return reductions.clippedSum(mlp, batch, 1.0);
  }

  @Benchmark
  public PeerWorkloads.Mlp mlpBatchGradientJit() {
    return batchGradient.apply(mlp, batch);
  }

  /**
   * The forward pass alone (the summed loss, jit): the floor of every reduction, which all need the
   * layers' inputs; where their time goes beyond it is the backward pass and the reductions.
   */
  @Benchmark
  public Tensor mlpForwardLossJit() {
    return batchLoss.apply(mlp, batch);
  }

  @Benchmark
  public Tensor mlpDotApi() {
    return reductions.dot(mlp, batch, reference);
  }

  @Benchmark
  public Tensor mlpProjectK1024Api() {
    return reductions.project(mlp, batch, 1024, 7L);
  }

  @Benchmark
  public Tensor w4aLogisticB4096Jit() {
    return logisticJit.apply(w256, s4096);
  }

  @Benchmark
  public Tensor w4aLogisticB4096JitReusing() {
    previous4096 = logisticReusing4096.apply(w256, s4096, previous4096);
    return previous4096;
  }

  @Benchmark
  public Tensor w4aLogisticB4096Hand() {
    return PeerWorkloads.logisticHand(w256, s4096.x(), s4096.y());
  }

  @Benchmark
  public Tensor w4bLogisticB65536Jit() {
    return logisticJit.apply(w64, s65536);
  }

  @Benchmark
  public Tensor w4bLogisticB65536JitReusing() {
    previous65536 = logisticReusing65536.apply(w64, s65536, previous65536);
    return previous65536;
  }

  @Benchmark
  public Tensor w4bLogisticB65536Hand() {
    return PeerWorkloads.logisticHand(w64, s65536.x(), s65536.y());
  }
}
