package org.vmap4j.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import org.vmap4j.DType;
import org.vmap4j.Func;
import org.vmap4j.Tensor;

/**
 * Matrix products as users write them, eager and jitted, timed by the calling thread's CPU time:
 * both operand orders ({@code x.matmul(w)} against {@code w.matmul(x.T)}, {@code x.dot(w)} against
 * {@code w.dot(x)} under vmap) and both orientations of a stored matrix (a transposed view as an
 * operand), a matrix-vector product, a batched product and F64. Uses only the public API, so the
 * same class runs against two builds of core (a before/after comparison runs it in alternating
 * JVMs). Prints one line per case: median and best of 21 rounds, in microseconds per call.
 *
 * <p>Run: {@code java --add-modules=jdk.incubator.vector -Dvmap4j.threads=1 -cp <core classes,
 * janino, benchmarks classes> org.vmap4j.benchmarks.GemmCpuTime}.
 */
public final class GemmCpuTime {
  private GemmCpuTime() {}

  private record Case(String name, Supplier<Tensor> call) {}

  public static void main(String[] args) {
    Tensor x = Tensor.randomNormal(1, DType.F32, 512, 256);
    Tensor w = Tensor.randomNormal(2, DType.F32, 256, 256);
    Tensor v = Tensor.randomNormal(3, DType.F32, 256);
    Tensor a3 = Tensor.randomNormal(4, DType.F32, 32, 64, 64);
    Tensor b3 = Tensor.randomNormal(5, DType.F32, 32, 64, 64);
    Tensor x64 = Tensor.randomNormal(6, DType.F64, 256, 128);
    Tensor w64 = Tensor.randomNormal(7, DType.F64, 128, 128);
    Tensor s8 = Tensor.randomNormal(8, DType.F64, 8, 8);
    Tensor t8 = Tensor.randomNormal(9, DType.F64, 8, 8);
    BiFunction<Tensor, Tensor, Tensor> xw = Tensor::matmul;
    BiFunction<Tensor, Tensor, Tensor> wxT = (xx, ww) -> ww.matmul(xx.transpose());
    BiFunction<Tensor, Tensor, Tensor> xwT = (xx, ww) -> xx.matmul(ww.transpose());
    var inDims = org.vmap4j.InDims.of(0, null);
    BiFunction<Tensor, Tensor, Tensor> rowDotW =
        Func.vmap((Tensor r, Tensor ww) -> r.matmul(ww), inDims);
    BiFunction<Tensor, Tensor, Tensor> wDotRow =
        Func.vmap((Tensor r, Tensor ww) -> ww.matmul(r), inDims);
    BiFunction<Tensor, Tensor, Tensor> rowDotV =
        Func.vmap((Tensor r, Tensor vv) -> r.dot(vv), inDims);
    BiFunction<Tensor, Tensor, Tensor> vDotRow =
        Func.vmap((Tensor r, Tensor vv) -> vv.dot(r), inDims);
    BiFunction<Tensor, Tensor, Tensor> bmm = Tensor::matmul;
    List<Case> cases = new ArrayList<>();
    add(cases, "x.matmul(w) f32 512x256 . 256x256", xw, x, w);
    add(cases, "w.matmul(x.T) f32 (result transposed)", wxT, x, w);
    add(cases, "x.matmul(w.T) f32 (rhs a transposed view)", xwT, x, w);
    add(cases, "vmap r.matmul(W) f32 rows of 512x256, W 256x256", rowDotW, x, w);
    add(cases, "vmap W.matmul(r) f32", wDotRow, x, w);
    add(cases, "vmap r.dot(v) f32 (matrix-vector)", rowDotV, x, v);
    add(cases, "vmap v.dot(r) f32 (vector-matrix)", vDotRow, x, v);
    add(cases, "batched matmul f32 32x64x64", bmm, a3, b3);
    add(cases, "x.matmul(w) f64 256x128 . 128x128", xw, x64, w64);
    add(cases, "w.matmul(x.T) f64", wxT, x64, w64);
    // tiny products: the fixed cost per call (planning the product) dominates
    add(cases, "x.matmul(w) f64 8x8 . 8x8", xw, s8, t8);
    add(cases, "w.matmul(x.T) f64 8x8", wxT, s8, t8);
    for (Case c : cases) {
      for (int i = 0; i < 30; i++) {
        c.call().get();
      }
      Runnable call =
          () -> {
            if (c.call().get().size() < 0) {
              throw new AssertionError();
            }
          };
      double once = Math.max(1, CpuTimeSampler.perCallNs(call, 1));
      int reps = (int) Math.max(1, Math.min(200, 40_000_000L / once));
      double[] ns = new double[21];
      for (int round = 0; round < ns.length; round++) {
        ns[round] = CpuTimeSampler.perCallNs(call, reps);
      }
      CpuTimeSampler.Summary t = CpuTimeSampler.Summary.of(ns);
      System.out.printf(
          "%-52s median %9.1f us  best %9.1f us%n", c.name(), t.medianNs() / 1e3, t.bestNs() / 1e3);
    }
  }

  /** The eager call and its jitted twin. */
  private static void add(
      List<Case> cases, String name, BiFunction<Tensor, Tensor, Tensor> f, Tensor a, Tensor b) {
    BiFunction<Tensor, Tensor, Tensor> jitted = Func.jit(f);
    cases.add(new Case("eager " + name, () -> f.apply(a, b)));
    cases.add(new Case("jit   " + name, () -> jitted.apply(a, b)));
  }
}
