package org.vmap4j.examples;

import static org.vmap4j.Func.grad;
import static org.vmap4j.Func.hessian;
import static org.vmap4j.Func.jacrev;
import static org.vmap4j.Func.jit;
import static org.vmap4j.Func.vmap;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
import org.vmap4j.DType;
import org.vmap4j.InDims;
import org.vmap4j.Tensor;
import org.vmap4j.backend.ArgumentListCalls;

/**
 * The seed's cases at the peer benchmark's sizes, eager and through {@code jit}: median wall times
 * of a few calls after a warm-up (a rough figure for the console; the JMH benchmarks in {@code
 * benchmarks} are the measurement) and the largest difference between the two results.
 */
final class JitTimings {
  private JitTimings() {}

  static void run(PrintStream out) {
    Tensor x = Tensor.randomNormal(1, DType.F32, 65536, 64);
    Tensor y = Tensor.randomNormal(2, DType.F32, 65536, 64);
    BiFunction<Tensor, Tensor, Tensor> dot = vmap(Tensor::dot);
    BiFunction<Tensor, Tensor, Tensor> dotJit = jit(dot);
    report(out, "batched dot, N=65536 D=64", () -> dot.apply(x, y), () -> dotJit.apply(x, y));

    Tensor w = Tensor.randomNormal(3, DType.F32, 256).div(16);
    Tensor xs = Tensor.randomNormal(4, DType.F32, 4096, 256);
    BiFunction<Tensor, Tensor, Tensor> loss =
        (weights, example) -> example.dot(weights).sigmoid().log().neg();
    BiFunction<Tensor, Tensor, Tensor> perSample = vmap(grad(loss), InDims.of(null, 0));
    BiFunction<Tensor, Tensor, Tensor> perSampleJit = jit(perSample);
    report(
        out,
        "per-sample gradients, B=4096 D=256",
        () -> perSample.apply(w, xs),
        () -> perSampleJit.apply(w, xs));

    Tensor v = Tensor.randomNormal(5, DType.F32, 256);
    Function<Tensor, Tensor> jac = jacrev((Tensor t) -> t.sin().mul(t.pow(2)));
    Function<Tensor, Tensor> jacJit = jit(jac);
    report(out, "jacrev of sin(x) x^2, N=256", () -> jac.apply(v), () -> jacJit.apply(v));

    Tensor a = Tensor.randomNormal(6, DType.F32, 128, 128).div(Math.sqrt(128));
    Tensor u = Tensor.randomNormal(7, DType.F32, 128);
    Function<Tensor, Tensor> hess = hessian((Tensor t) -> a.matmul(t).tanh().sum());
    Function<Tensor, Tensor> hessJit = jit(hess);
    report(out, "hessian of sum(tanh(Ax)), N=128", () -> hess.apply(u), () -> hessJit.apply(u));
  }

  private static void report(
      PrintStream out, String name, Supplier<Tensor> eager, Supplier<Tensor> compiled) {
    // one thread, as the peer figures in docs/performance.md
    double eagerMs = ArgumentListCalls.withThreads(1, () -> medianMillis(eager));
    double compiledMs = ArgumentListCalls.withThreads(1, () -> medianMillis(compiled));
    double diff = eager.get().sub(compiled.get()).abs().max().item();
    out.printf(
        "   %-36s eager %8.3f ms   jit %8.3f ms   max abs difference %.2g%n",
        name, eagerMs, compiledMs, diff);
  }

  private static double medianMillis(Supplier<Tensor> f) {
    for (int i = 0; i < 3; i++) {
      f.get();
    }
    double[] t = new double[9];
    for (int i = 0; i < t.length; i++) {
      long start = System.nanoTime();
      f.get();
      t[i] = (System.nanoTime() - start) / 1e6;
    }
    Arrays.sort(t);
    return t[t.length / 2];
  }
}
