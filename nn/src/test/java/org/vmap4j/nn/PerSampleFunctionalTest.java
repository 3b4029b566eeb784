package org.vmap4j.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vmap4j.testing.TreeValues.dot;
import static org.vmap4j.testing.TreeValues.flat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.vmap4j.DType;
import org.vmap4j.Func;
import org.vmap4j.PerSampleGrads;
import org.vmap4j.Tensor;
import org.vmap4j.testing.TensorAssertions;

/**
 * Per-sample gradient reductions of a model built from {@link Functional} (linear, layerNorm, gelu
 * over a sequence): the compiled route, whose linear layers the compiler reduces from their
 * factors, equals the materialized route and a loop of per-example gradients (F64, 1e-9).
 */
class PerSampleFunctionalTest {
  record Block(Tensor w1, Tensor b1, Tensor gamma, Tensor beta, Tensor w2, Tensor b2) {
    static Block random(int d, int h, int o, long seed) {
      return new Block(
          Tensor.randomNormal(seed, DType.F64, h, d).mul(1 / Math.sqrt(d)),
          Tensor.randomNormal(seed + 1, DType.F64, h).mul(0.1),
          Tensor.randomNormal(seed + 2, DType.F64, h).mul(0.1).add(1),
          Tensor.randomNormal(seed + 3, DType.F64, h).mul(0.1),
          Tensor.randomNormal(seed + 4, DType.F64, o, h).mul(1 / Math.sqrt(h)),
          Tensor.randomNormal(seed + 5, DType.F64, o).mul(0.1));
    }

    /** One example {@code x:[T, d]}: a scalar. */
    static Tensor loss(Block p, Tensor x) {
      Tensor h = Functional.linear(x, p.w1(), p.b1());
      int width = p.w1().shape()[0];
      h = Functional.gelu(Functional.layerNorm(h, new int[] {width}, p.gamma(), p.beta(), 1e-5));
      Tensor out = Functional.linear(h, p.w2(), p.b2());
      return out.mul(out.add(0.3)).sum();
    }
  }

  private static void assertClose(double[] expected, double[] actual, String what) {
    TensorAssertions.assertClose(what, actual, expected, TensorAssertions.Tolerance.scaled(1e-9));
  }

  @Test
  void linearLayerNormGeluBlockMatchesTheLoop() {
    int b = 5;
    Block p = Block.random(8, 12, 6, 3);
    Tensor x = Tensor.randomNormal(17, DType.F64, b, 3, 8);
    PerSampleGrads<Block, Tensor> ps = PerSampleGrads.of(Block::loss);
    String text = ps.explain(p, x);
    String norms = text.substring(0, text.indexOf("clippedSum"));
    // both linear layers: 3·(8+12) < 8·12 and 3·(12+6) < 12·6
    assertEquals(2, norms.split("rewrite=ghost_norm", -1).length - 1, norms);
    assertTrue(
        text.contains("rewrite=ghost_clipped_sum") && text.contains("rewrite=per_sample_dot"),
        text);

    double[][] g = new double[b][];
    double[] sq = new double[b];
    for (int i = 0; i < b; i++) {
      g[i] = flat(Func.grad(Block::loss).apply(p, x.index(0, i)));
      sq[i] = dot(g[i], g[i]);
    }
    double maxNorm = 0.7 * Math.sqrt(sq[0]);
    double[] clipped = new double[g[0].length];
    for (int i = 0; i < b; i++) {
      double c = Math.min(1, maxNorm / (Math.sqrt(sq[i]) + 1e-6));
      for (int j = 0; j < clipped.length; j++) {
        clipped[j] += c * g[i][j];
      }
    }
    Block reference = Block.random(8, 12, 6, 99);
    double[] r = flat(reference);
    double[] dots = new double[b];
    for (int i = 0; i < b; i++) {
      dots[i] = dot(g[i], r);
    }
    for (PerSampleGrads<Block, Tensor> route : List.of(ps, ps.materialized())) {
      String name = route.isCompiled() ? "compiled" : "materialized";
      assertClose(sq, route.squaredNorms(p, x).toDoubleArray(), name + " squared norms");
      assertClose(clipped, flat(route.clippedSum(p, x, maxNorm)), name + " clipped sum");
      assertClose(dots, route.dot(p, x, reference).toDoubleArray(), name + " dot");
    }
  }
}
