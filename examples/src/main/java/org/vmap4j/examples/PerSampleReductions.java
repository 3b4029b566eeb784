package org.vmap4j.examples;

import static org.vmap4j.Func.grad;

import java.io.PrintStream;
import java.util.function.BiFunction;
import org.vmap4j.DType;
import org.vmap4j.PerSampleGrads;
import org.vmap4j.Tensor;

/**
 * Per-sample gradient norms and the clipped gradient sum of a small MLP, computed by {@link
 * PerSampleGrads} (whose compiled route rewrites the per-sample gradients of each linear layer into
 * closed forms that never build them), checked against a plain loop of {@code grad} calls, one
 * example at a time.
 */
final class PerSampleReductions {
  private PerSampleReductions() {}

  /** A two-layer MLP: {@code w1 [D, H]}, {@code b1 [H]}, {@code w2 [H, O]}, {@code b2 [O]}. */
  record Mlp(Tensor w1, Tensor b1, Tensor w2, Tensor b2) {}

  /** Loop and rewritten route agree to rounding (F64). */
  static final double TOLERANCE = 1e-9;

  /** The largest differences to the loop, and whether the rewrites fired, for tests. */
  record Result(double normError, double clippedSumError, boolean rewritten) {}

  static Result run(PrintStream out) {
    int b = 256;
    int d = 64;
    int h = 128;
    int o = 10;
    Mlp params =
        new Mlp(
            Tensor.randomNormal(21, DType.F64, d, h).mul(1 / Math.sqrt(d)),
            Tensor.randomNormal(22, DType.F64, h).mul(0.1),
            Tensor.randomNormal(23, DType.F64, h, o).mul(1 / Math.sqrt(h)),
            Tensor.randomNormal(24, DType.F64, o).mul(0.1));
    Tensor xs = Tensor.randomNormal(25, DType.F64, b, d);
    BiFunction<Mlp, Tensor, Tensor> loss =
        (p, x) -> x.matmul(p.w1()).add(p.b1()).tanh().matmul(p.w2()).add(p.b2()).logSumExp(0);
    double maxNorm = 1.0;

    PerSampleGrads<Mlp, Tensor> perSample = PerSampleGrads.of(loss);
    Tensor norms = perSample.norms(params, xs);
    Mlp clipped = perSample.clippedSum(params, xs, maxNorm);
    boolean rewritten = perSample.explain(params, xs).contains("rewrite=ghost_norm");

    // the reference: one grad call per example, its norm, the clipped sum by hand
    BiFunction<Mlp, Tensor, Mlp> g = grad(loss);
    double normError = 0;
    Mlp sum = null;
    for (int i = 0; i < b; i++) {
      Mlp gi = g.apply(params, xs.index(0, i));
      double norm =
          Math.sqrt(
              gi.w1().square().sum().item()
                  + gi.b1().square().sum().item()
                  + gi.w2().square().sum().item()
                  + gi.b2().square().sum().item());
      normError = Math.max(normError, Math.abs(norm - norms.index(0, i).item()));
      double scale = Math.min(1, maxNorm / (norm + 1e-6));
      Mlp scaled =
          new Mlp(gi.w1().mul(scale), gi.b1().mul(scale), gi.w2().mul(scale), gi.b2().mul(scale));
      sum =
          sum == null
              ? scaled
              : new Mlp(
                  sum.w1().add(scaled.w1()),
                  sum.b1().add(scaled.b1()),
                  sum.w2().add(scaled.w2()),
                  sum.b2().add(scaled.b2()));
    }
    double clippedSumError =
        Math.max(
            Math.max(maxAbs(sum.w1(), clipped.w1()), maxAbs(sum.b1(), clipped.b1())),
            Math.max(maxAbs(sum.w2(), clipped.w2()), maxAbs(sum.b2(), clipped.b2())));

    out.printf(
        "   MLP %d -> %d -> %d (%d parameters), B = %d: per-sample gradient norms, first four %s%n",
        d, h, o, d * h + h + h * o + o, b, norms.slice(0, 0, 4));
    out.println(
        "   the compiled program "
            + (rewritten
                ? "computes them by the ghost-norm rewrite (no [B, P] gradients formed)"
                : "forms the per-sample gradients (no rewrite fired)"));
    out.printf(
        "   against a loop of grad, one example at a time: norms %.3g, clipped sum (C = %.1f) %.3g%n",
        Main.checked(normError, TOLERANCE), maxNorm, Main.checked(clippedSumError, TOLERANCE));
    return new Result(normError, clippedSumError, rewritten);
  }

  private static double maxAbs(Tensor a, Tensor b) {
    return a.sub(b).abs().max().item();
  }
}
