package org.vmap4j.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.vmap4j.control.ControlFlowConformanceTest.assertClose;

import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.vmap4j.DType;
import org.vmap4j.Func;
import org.vmap4j.ScanOptions;
import org.vmap4j.ScanStep;
import org.vmap4j.Tensor;

/**
 * Properties on random inputs (seeded): vmap of a control-flow function equals a Java loop over the
 * examples, for random predicates and random per-example trip counts; gradients and JVPs equal
 * central finite differences.
 */
class ControlFlowPropertiesTest {
  private static Tensor random(Random r, int... shape) {
    int n = 1;
    for (int d : shape) {
      n *= d;
    }
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = r.nextGaussian();
    }
    return Tensor.of(v, shape);
  }

  /** A branch per example on a random threshold, and a loop whose trip count is in the data. */
  static Tensor perExample(Tensor x, Tensor trips) {
    Tensor chosen =
        Func.cond(
            x.sum().gt(x.max().mul(0.5)),
            (Tensor a) -> a.sin().mul(a.exp()),
            (Tensor a) -> a.mul(a).sub(a.cos()),
            x);
    List<Tensor> looped =
        Func.whileLoop(
            (List<Tensor> s) -> s.get(1).lt(trips),
            (List<Tensor> s) ->
                List.of(
                    s.get(0).mul(0.7).add(s.get(0).cos()),
                    s.get(1).add(Tensor.scalar(DType.I32, 1))),
            List.of(chosen, Tensor.scalar(DType.I32, 0)));
    return looped.get(0);
  }

  @Test
  void vmapEqualsThePerExampleLoopForRandomPredicatesAndTripCounts() {
    Random r = new Random(42);
    for (int trial = 0; trial < 8; trial++) {
      int b = 1 + r.nextInt(6);
      int d = 1 + r.nextInt(4);
      Tensor xs = random(r, b, d);
      int[] n = new int[b];
      for (int i = 0; i < b; i++) {
        n[i] = r.nextInt(6);
      }
      Tensor trips = Tensor.of(n, b);
      Tensor batched = Func.vmap(ControlFlowPropertiesTest::perExample).apply(xs, trips);
      Tensor[] rows = new Tensor[b];
      for (int i = 0; i < b; i++) {
        rows[i] = perExample(xs.index(0, i), trips.index(0, i));
      }
      assertClose(
          "trial " + trial + " (trips " + java.util.Arrays.toString(n) + ")",
          batched,
          Tensor.stack(0, rows));
      // the same with a trip count shared by every example (unbatched predicate)
      Tensor shared = Tensor.scalar(DType.I32, n[0]);
      Tensor sharedBatched = Func.vmap((Tensor x) -> perExample(x, shared)).apply(xs);
      for (int i = 0; i < b; i++) {
        rows[i] = perExample(xs.index(0, i), shared);
      }
      assertClose("trial " + trial + " shared trip count", sharedBatched, Tensor.stack(0, rows));
    }
  }

  static Tensor scanned(Tensor w, Tensor xs, boolean reverse, int saveEvery) {
    return Func.scan(
            (List<Tensor> c, Tensor x) -> {
              Tensor h = c.get(0).mul(x.dot(w)).add(c.get(1).sin()).tanh();
              return new ScanStep<>(List.of(h, c.get(1).mul(0.9).add(h)), h.mul(x.sum()));
            },
            List.of(Tensor.scalar(DType.F64, 0.2), Tensor.scalar(DType.F64, -0.4)),
            xs,
            ScanOptions.defaults().reverse(reverse).saveEvery(saveEvery))
        .ys()
        .square()
        .sum();
  }

  static Tensor withCond(Tensor w) {
    return Func.cond(
            w.sum().gt(0), (Tensor a) -> a.mul(a.sin()).sum(), (Tensor a) -> a.exp().sum().log(), w)
        .mul(w.sum());
  }

  private static Tensor finiteDifferenceGradient(Function<Tensor, Tensor> f, Tensor w) {
    double eps = 1e-6;
    double[] base = w.toDoubleArray();
    double[] g = new double[base.length];
    for (int i = 0; i < base.length; i++) {
      double[] plus = base.clone();
      double[] minus = base.clone();
      plus[i] += eps;
      minus[i] -= eps;
      g[i] =
          (f.apply(Tensor.of(plus, w.shape())).item() - f.apply(Tensor.of(minus, w.shape())).item())
              / (2 * eps);
    }
    return Tensor.of(g, w.shape());
  }

  private static void assertNear(String what, Tensor got, Tensor want, double tol) {
    double[] g = got.toDoubleArray();
    double[] e = want.toDoubleArray();
    for (int i = 0; i < e.length; i++) {
      assertThat(Math.abs(g[i] - e[i]))
          .as("%s element %d: %s vs finite difference %s", what, i, g[i], e[i])
          .isLessThanOrEqualTo(tol * Math.max(1, Math.abs(e[i])));
    }
  }

  @Test
  void scanAndCondDerivativesEqualFiniteDifferences() {
    Random r = new Random(7);
    for (int trial = 0; trial < 4; trial++) {
      Tensor w = random(r, 3).mul(0.5);
      Tensor xs = random(r, 2 + r.nextInt(7), 3);
      for (boolean reverse : new boolean[] {false, true}) {
        Function<Tensor, Tensor> f = ww -> scanned(ww, xs, reverse, 0);
        Tensor fd = finiteDifferenceGradient(f, w);
        assertNear("scan grad, reverse=" + reverse, Func.grad(f).apply(w), fd, 1e-6);
        Tensor direction = random(r, 3);
        double directional = 0;
        for (int i = 0; i < 3; i++) {
          directional += fd.toDoubleArray()[i] * direction.toDoubleArray()[i];
        }
        assertNear(
            "scan jvp, reverse=" + reverse,
            Func.jvp(f, w, direction).tangent(),
            Tensor.scalar(directional),
            1e-6);
      }
      Tensor v = random(r, 4);
      assertNear(
          "cond grad",
          Func.grad(ControlFlowPropertiesTest::withCond).apply(v),
          finiteDifferenceGradient(ControlFlowPropertiesTest::withCond, v),
          1e-6);
    }
  }

  @Test
  void checkpointedReverseModeSavesFewerCarriesAndGivesTheSameGradient() {
    Random r = new Random(11);
    Tensor w = random(r, 3).mul(0.5);
    Tensor xs = random(r, 12, 3);
    for (boolean reverse : new boolean[] {false, true}) {
      Tensor full = Func.grad((Tensor ww) -> scanned(ww, xs, reverse, 0)).apply(w);
      Tensor checkpointed = Func.grad((Tensor ww) -> scanned(ww, xs, reverse, 4)).apply(w);
      assertClose("saveEvery(4), reverse=" + reverse, checkpointed, full);
    }
    // The backward program's top-level scans run over 12 / 4 = 3 segments, so the carries the
    // backward pass keeps are [3, ...] (the 4 carries of one segment are recomputed inside).
    org.vmap4j.ir.Program backward =
        Func.trace(Func.grad((Tensor ww) -> scanned(ww, xs, false, 4)), w);
    List<Integer> lengths =
        backward.equations().stream()
            .filter(e -> e.primitive() == org.vmap4j.prim.Scan.SCAN)
            .map(e -> e.params().integer("length"))
            .toList();
    assertThat(lengths).isNotEmpty().containsOnly(3, 12);
    assertThat(lengths.stream().filter(n -> n == 3).count()).isEqualTo(2);
    org.vmap4j.ir.Program plain =
        Func.trace(Func.grad((Tensor ww) -> scanned(ww, xs, false, 0)), w);
    assertThat(
            plain.equations().stream()
                .filter(e -> e.primitive() == org.vmap4j.prim.Scan.SCAN)
                .map(e -> e.params().integer("length")))
        .containsOnly(12);
  }
}
