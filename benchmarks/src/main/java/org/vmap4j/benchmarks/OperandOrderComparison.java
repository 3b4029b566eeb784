package org.vmap4j.benchmarks;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import org.vmap4j.DType;
import org.vmap4j.Func;
import org.vmap4j.Tensor;

/**
 * Operand order must not change a plan's cost: each pair of {@link PeerWorkloads} variants that
 * differ only in how the user ordered a product ({@code x.dot(w)} against {@code w.dot(x)}, {@code
 * W.matmul(x)} against {@code x.matmul(W.T)}) is timed call by call, the two variants alternating
 * (A B, then B A) so that the load of a shared machine falls on both alike; it prints each
 * variant's median and the median of the per-round ratios. JMH's {@code PeerWorkloadsBenchmark} has
 * the same rows, one after the other. Run: {@code java --add-modules=jdk.incubator.vector
 * -Dvmap4j.threads=1 -cp benchmarks/target/benchmarks.jar
 * org.vmap4j.benchmarks.OperandOrderComparison [rounds]}.
 */
public final class OperandOrderComparison {
  private OperandOrderComparison() {}

  record Pair(String name, Supplier<Object> a, Supplier<Object> b) {}

  public static void main(String[] args) {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 100;
    Tensor w = Tensor.randomNormal(6, DType.F32, 256).div(16);
    PeerWorkloads.Sample s =
        new PeerWorkloads.Sample(
            Tensor.randomNormal(7, DType.F32, 4096, 256),
            Tensor.randomUniform(8, DType.F32, 4096).gt(0.5).astype(DType.F32));
    var logisticJit = Func.jit(PeerWorkloads.LOGISTIC_PER_SAMPLE);
    var logisticParamsFirstJit = Func.jit(PeerWorkloads.LOGISTIC_PER_SAMPLE_PARAMS_FIRST);

    PeerWorkloads.Mlp mlp = PeerWorkloads.Mlp.random(3, 128, 256, 10);
    Tensor mlpX = Tensor.randomNormal(4, DType.F32, 4096, 128);
    var forwardJit = Func.jit(Func.vmap((Tensor x) -> PeerWorkloads.mlpForward(mlp, x)));
    var forwardRowMajorJit =
        Func.jit(Func.vmap((Tensor x) -> PeerWorkloads.mlpForwardRowMajor(mlp, x)));

    PeerWorkloads.Mlp mlp5 = PeerWorkloads.Mlp.random(12, 128, 256, 10);
    Tensor classes = Tensor.randomUniform(13, DType.F32, 1024).mul(10).astype(DType.I64);
    PeerWorkloads.Sample s1024 =
        new PeerWorkloads.Sample(
            Tensor.randomNormal(14, DType.F32, 1024, 128),
            Tensor.arange(10).unsqueeze(0).eq(classes.unsqueeze(1)).astype(DType.F32));
    var gradsJit = Func.jit(PeerWorkloads.MLP_PER_SAMPLE);
    var gradsRowMajorJit = Func.jit(PeerWorkloads.MLP_PER_SAMPLE_ROW_MAJOR);

    List<Pair> pairs = new ArrayList<>();
    pairs.add(
        new Pair(
            "w4a logistic B=4096 jit: x.dot(w) | w.dot(x)",
            () -> logisticJit.apply(w, s),
            () -> logisticParamsFirstJit.apply(w, s)));
    pairs.add(
        new Pair(
            "w4a logistic B=4096 eager: x.dot(w) | w.dot(x)",
            () -> PeerWorkloads.LOGISTIC_PER_SAMPLE.apply(w, s),
            () -> PeerWorkloads.LOGISTIC_PER_SAMPLE_PARAMS_FIRST.apply(w, s)));
    pairs.add(
        new Pair(
            "w2 MLP forward B=4096 jit: W.matmul(x) | x.matmul(W.T)",
            () -> forwardJit.apply(mlpX),
            () -> forwardRowMajorJit.apply(mlpX)));
    pairs.add(
        new Pair(
            "w5 MLP per-sample grads B=1024 jit: W.matmul(x) | x.matmul(W.T)",
            () -> gradsJit.apply(mlp5, s1024),
            () -> gradsRowMajorJit.apply(mlp5, s1024)));
    for (Pair p : pairs) {
      compare(p, rounds);
    }
  }

  private static void compare(Pair p, int rounds) {
    for (int i = 0; i < 20; i++) {
      p.a().get();
      p.b().get();
    }
    double[] a = new double[rounds];
    double[] b = new double[rounds];
    double[] ratio = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      boolean aFirst = r % 2 == 0;
      double first = time(aFirst ? p.a() : p.b());
      double second = time(aFirst ? p.b() : p.a());
      a[r] = aFirst ? first : second;
      b[r] = aFirst ? second : first;
      ratio[r] = b[r] / a[r];
    }
    System.out.printf(
        "%-66s A %8.3f ms  B %8.3f ms  B/A median of rounds %.3f (quartiles %.3f-%.3f)%n",
        p.name(),
        median(a),
        median(b),
        median(ratio),
        quantile(ratio, 0.25),
        quantile(ratio, 0.75));
  }

  private static double time(Supplier<Object> call) {
    long t0 = System.nanoTime();
    Object out = call.get();
    long t1 = System.nanoTime();
    if (out == null) {
      throw new IllegalStateException("no result");
    }
    return (t1 - t0) / 1e6;
  }

  private static double median(double[] v) {
    return quantile(v, 0.5);
  }

  private static double quantile(double[] v, double q) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s[(int) Math.min(s.length - 1, Math.round(q * (s.length - 1)))];
  }
}
