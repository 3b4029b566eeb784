package org.vmap4j.persample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.vmap4j.DType;
import org.vmap4j.Func;
import org.vmap4j.PerSampleGrads;
import org.vmap4j.Tensor;
import org.vmap4j.Tree;
import org.vmap4j.testing.TensorAssertions;

/**
 * The four reductions, compiled (rewritten) and materialized, against a plain loop: one {@code
 * grad} per example, then norms, clipped sums, dots and projections computed with Java loops.
 */
class PerSampleGradsTest {
  private static final double TOL = 1e-9;

  /** A random MLP: depth, widths, activations, biases and sequence length drawn from a seed. */
  record Mlp(int depth, int[] widths, String[] activations, boolean[] bias, int time) {
    static Mlp random(long seed, int time) {
      Random r = new Random(seed);
      int depth = 1 + r.nextInt(3);
      int[] widths = new int[depth + 1];
      String[] act = new String[depth];
      boolean[] bias = new boolean[depth];
      String[] kinds = {"tanh", "sigmoid", "square", "none"};
      for (int i = 0; i <= depth; i++) {
        widths[i] = 4 + r.nextInt(7);
      }
      for (int i = 0; i < depth; i++) {
        act[i] = kinds[r.nextInt(kinds.length)];
        bias[i] = r.nextBoolean();
      }
      return new Mlp(depth, widths, act, bias, time);
    }

    List<Tensor> params(long seed) {
      List<Tensor> p = new ArrayList<>();
      for (int i = 0; i < depth; i++) {
        p.add(
            Tensor.randomNormal(seed + 10 * i, DType.F64, widths[i], widths[i + 1])
                .mul(1.0 / Math.sqrt(widths[i])));
        if (bias[i]) {
          p.add(Tensor.randomNormal(seed + 10 * i + 1, DType.F64, widths[i + 1]).mul(0.1));
        }
      }
      return p;
    }

    Tensor batch(long seed, int b) {
      return time == 0
          ? Tensor.randomNormal(seed, DType.F64, b, widths[0])
          : Tensor.randomNormal(seed, DType.F64, b, time, widths[0]);
    }

    /** A scalar per example: the sum over outputs (and time steps) of a smooth function. */
    Tensor loss(List<Tensor> p, Tensor x) {
      Tensor h = x;
      int k = 0;
      for (int i = 0; i < depth; i++) {
        h = h.matmul(p.get(k++));
        if (bias[i]) {
          h = h.add(p.get(k++));
        }
        h =
            switch (activations[i]) {
              case "tanh" -> h.tanh();
              case "sigmoid" -> h.sigmoid();
              case "square" -> h.square();
              default -> h;
            };
      }
      return h.mul(h.add(0.5)).sum();
    }
  }

  /** Per-example gradients by a loop of grad calls, flattened to doubles: [b][all params]. */
  static double[][] loopGrads(
      BiFunction<List<Tensor>, Tensor, Tensor> loss, List<Tensor> p, Tensor x) {
    int b = x.shape()[0];
    double[][] out = new double[b][];
    for (int i = 0; i < b; i++) {
      out[i] = flat(Func.grad(loss).apply(p, x.index(0, i)));
    }
    return out;
  }

  static double[] flat(Object tree) {
    List<Double> all = new ArrayList<>();
    for (Tensor t : Tree.leaves(tree)) {
      for (double v : t.toDoubleArray()) {
        all.add(v);
      }
    }
    return all.stream().mapToDouble(Double::doubleValue).toArray();
  }

  static double dot(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }

  static void assertClose(double[] expected, double[] actual, String what) {
    TensorAssertions.assertClose(what, actual, expected, TensorAssertions.Tolerance.scaled(TOL));
  }

  /** All four reductions of one model, compiled and materialized, against the loop. */
  static void checkAll(
      BiFunction<List<Tensor>, Tensor, Tensor> loss, List<Tensor> p, Tensor x, String what) {
    double[][] g = loopGrads(loss, p, x);
    int b = g.length;
    double[] sq = new double[b];
    for (int i = 0; i < b; i++) {
      sq[i] = dot(g[i], g[i]);
    }
    // a clipping norm that clips some examples and not others
    double[] sorted = sq.clone();
    java.util.Arrays.sort(sorted);
    double maxNorm = Math.sqrt(sorted[b / 2]);
    double[] clipped = new double[g[0].length];
    for (int i = 0; i < b; i++) {
      double c = Math.min(1, maxNorm / (Math.sqrt(sq[i]) + 1e-6));
      for (int j = 0; j < clipped.length; j++) {
        clipped[j] += c * g[i][j];
      }
    }
    List<Tensor> ref = new ArrayList<>();
    for (int i = 0; i < p.size(); i++) {
      ref.add(Tensor.randomNormal(77 + i, DType.F64, p.get(i).shape()));
    }
    double[] r = flat(ref);
    double[] dots = new double[b];
    for (int i = 0; i < b; i++) {
      dots[i] = dot(g[i], r);
    }
    for (PerSampleGrads<List<Tensor>, Tensor> ps :
        List.of(PerSampleGrads.of(loss), PerSampleGrads.of(loss).materialized())) {
      String route = what + (ps.isCompiled() ? " compiled" : " materialized");
      assertClose(sq, ps.squaredNorms(p, x).toDoubleArray(), route + " squared norms");
      assertClose(flat(clipped), flat(ps.clippedSum(p, x, maxNorm)), route + " clipped sum");
      assertClose(dots, ps.dot(p, x, ref).toDoubleArray(), route + " dot");
    }
  }

  static int count(String text, String word) {
    return text.split(java.util.regex.Pattern.quote(word), -1).length - 1;
  }

  static double[] flat(double[] a) {
    return a;
  }

  @Test
  void randomMlpsMatchTheLoop() {
    for (long seed = 1; seed <= 12; seed++) {
      Mlp m = Mlp.random(seed, 0);
      checkAll(m::loss, m.params(seed), m.batch(100 + seed, 6), "mlp " + seed + " " + m);
      // every layer's weight gradient is reduced from its factors, in all three programs
      String text =
          PerSampleGrads.<List<Tensor>, Tensor>of(m::loss).explain(m.params(seed), m.batch(1, 6));
      // (the clipped sum's program computes the norms too)
      assertEquals(2 * m.depth(), count(text, "rewrite=ghost_norm"), text);
      assertEquals(m.depth(), count(text, "rewrite=ghost_clipped_sum"), text);
      assertEquals(m.depth(), count(text, "rewrite=per_sample_dot"), text);
      assertEquals(m.depth(), count(text, "rewrite=rank_one_projection"), text);
    }
  }

  @Test
  void randomSequenceMlpsMatchTheLoop() {
    for (long seed = 1; seed <= 8; seed++) {
      Mlp m = Mlp.random(seed, seed % 2 == 0 ? 2 : 40);
      checkAll(m::loss, m.params(seed), m.batch(200 + seed, 5), "sequence mlp " + seed);
    }
  }

  @Test
  void theCompiledNormsOfAnMlpComeFromTheFactors() {
    Mlp m =
        new Mlp(
            2, new int[] {6, 8, 5}, new String[] {"tanh", "none"}, new boolean[] {true, false}, 0);
    String text =
        PerSampleGrads.<List<Tensor>, Tensor>of(m::loss).explain(m.params(1), m.batch(2, 4));
    assertTrue(text.contains("rewrite=ghost_norm"), text);
    assertTrue(text.contains("rewrite=ghost_clipped_sum"), text);
    assertTrue(text.contains("rewrite=per_sample_dot"), text);
    // no per-sample weight gradient [4,6,8] or [4,8,5] is left in the squared norms' program
    String norms = text.substring(0, text.indexOf("clippedSum"));
    assertTrue(!norms.contains("[4,6,8]") && !norms.contains("[4,8,6]"), norms);
  }

  @Test
  void projectionMatchesTheLoopAndIsReproducible() {
    Mlp m = Mlp.random(3, 0);
    List<Tensor> p = m.params(3);
    Tensor x = m.batch(5, 4);
    int k = 7;
    double[][] g = loopGrads(m::loss, p, x);
    // Ω rows: per leaf, p_j ⊗ q_j for matrices, dense for vectors, from the documented seeds
    Tensor proj = PerSampleGrads.<List<Tensor>, Tensor>of(m::loss).project(p, x, k, 42);
    Tensor again =
        PerSampleGrads.<List<Tensor>, Tensor>of(m::loss).materialized().project(p, x, k, 42);
    assertClose(proj.toDoubleArray(), again.toDoubleArray(), "compiled vs materialized projection");
    Tensor other = PerSampleGrads.<List<Tensor>, Tensor>of(m::loss).project(p, x, k, 43);
    assertTrue(Math.abs(proj.toDoubleArray()[0] - other.toDoubleArray()[0]) > 1e-12);
    // Ω g / √k by loops from the documented factors
    List<List<Tensor>> f = PerSampleGrads.projectionFactors(p, k, 42);
    double[] expected = new double[4 * k];
    for (int b = 0; b < 4; b++) {
      int offset = 0;
      for (int leaf = 0; leaf < p.size(); leaf++) {
        int size = p.get(leaf).size();
        for (int j = 0; j < k; j++) {
          double s = 0;
          for (int e = 0; e < size; e++) {
            double w;
            if (f.get(leaf).size() == 2) {
              int rest = f.get(leaf).get(1).shape()[1];
              w =
                  f.get(leaf).get(0).toDoubleArray()[j * (size / rest) + e / rest]
                      * f.get(leaf).get(1).toDoubleArray()[j * rest + e % rest];
            } else {
              w = f.get(leaf).get(0).toDoubleArray()[j * size + e];
            }
            s += w * g[b][offset + e];
          }
          expected[b * k + j] += s / Math.sqrt(k);
        }
        offset += size;
      }
    }
    assertClose(expected, proj.toDoubleArray(), "projection against loops");
  }

  @Test
  void shortSequencesUseTheGhostNormAndLongOnesTheMaterializedGradient() {
    Mlp m =
        new Mlp(
            2, new int[] {6, 8, 5}, new String[] {"tanh", "none"}, new boolean[] {true, true}, 2);
    String shortText =
        PerSampleGrads.<List<Tensor>, Tensor>of(m::loss).explain(m.params(1), m.batch(2, 3));
    String shortNorms = shortText.substring(0, shortText.indexOf("clippedSum"));
    // 2·(6+8) < 6·8 and 2·(8+5) < 8·5: both layers from T×T Gram matrices
    assertEquals(2, count(shortNorms, "rewrite=ghost_norm"), shortNorms);
    Mlp longSeq =
        new Mlp(
            2, new int[] {6, 8, 5}, new String[] {"tanh", "none"}, new boolean[] {true, true}, 40);
    String longText =
        PerSampleGrads.<List<Tensor>, Tensor>of(longSeq::loss)
            .explain(longSeq.params(1), longSeq.batch(2, 3));
    String longNorms = longText.substring(0, longText.indexOf("clippedSum"));
    assertEquals(0, count(longNorms, "rewrite=ghost_norm"), longNorms);
    assertEquals(2, count(shortText, "rewrite=rank_one_projection"), shortText);
    assertEquals(0, count(longText, "rewrite=rank_one_projection"), longText);
    for (Mlp model : List.of(m, longSeq)) {
      Tensor compiled =
          PerSampleGrads.<List<Tensor>, Tensor>of(model::loss)
              .project(model.params(1), model.batch(2, 3), 5, 9);
      Tensor materialized =
          PerSampleGrads.<List<Tensor>, Tensor>of(model::loss)
              .materialized()
              .project(model.params(1), model.batch(2, 3), 5, 9);
      assertClose(materialized.toDoubleArray(), compiled.toDoubleArray(), "sequence projection");
    }
    checkAll(m::loss, m.params(1), m.batch(2, 3), "short sequences");
    checkAll(longSeq::loss, longSeq.params(1), longSeq.batch(2, 3), "long sequences");
  }

  /** The MLP of ../shared/peers (torch layout {@code W @ x}, relu, cross-entropy), smaller. */
  record PeersMlp(Tensor w1, Tensor b1, Tensor w2, Tensor b2) {
    static PeersMlp random(int d, int h, int o, long seed) {
      return new PeersMlp(
          Tensor.randomNormal(seed, DType.F64, h, d).mul(1 / Math.sqrt(d)),
          Tensor.randomNormal(seed + 1, DType.F64, h).mul(0.1),
          Tensor.randomNormal(seed + 2, DType.F64, o, h).mul(1 / Math.sqrt(h)),
          Tensor.randomNormal(seed + 3, DType.F64, o).mul(0.1));
    }

    /** Cross-entropy of one example against a one-hot label. */
    static Tensor loss(PeersMlp p, Tensor x, Tensor oneHot) {
      Tensor h = p.w1().matmul(x).add(p.b1()).relu();
      Tensor logits = p.w2().matmul(h).add(p.b2());
      return logits.logSumExp(0).sub(logits.mul(oneHot).sum());
    }
  }

  @Test
  void peersMlpWithLabelsMatchesTheLoop() {
    int b = 6;
    PeersMlp p = PeersMlp.random(12, 16, 5, 9);
    Tensor x = Tensor.randomNormal(31, DType.F64, b, 12);
    double[] oneHot = new double[b * 5];
    for (int i = 0; i < b; i++) {
      oneHot[i * 5 + (i * 3) % 5] = 1;
    }
    Tensor y = Tensor.of(oneHot, b, 5);
    var batch = new PerSampleGrads.LabeledBatch<>(x, y);
    PerSampleGrads<PeersMlp, PerSampleGrads.LabeledBatch<Tensor, Tensor>> ps =
        PerSampleGrads.of(PeersMlp::loss);
    String text = ps.explain(p, batch);
    assertEquals(4, count(text, "rewrite=ghost_norm"), text);
    assertEquals(2, count(text, "rewrite=ghost_clipped_sum"), text);
    assertEquals(2, count(text, "rewrite=per_sample_dot"), text);
    assertEquals(2, count(text, "rewrite=rank_one_projection"), text);
    double[][] g = new double[b][];
    double[] sq = new double[b];
    for (int i = 0; i < b; i++) {
      final int row = i;
      g[i] =
          flat(
              Func.grad((PeersMlp q, Tensor xi) -> PeersMlp.loss(q, xi, y.index(0, row)))
                  .apply(p, x.index(0, i)));
      sq[i] = dot(g[i], g[i]);
    }
    double maxNorm = 0.5 * Math.sqrt(sq[0] + sq[1]);
    double[] clipped = new double[g[0].length];
    for (int i = 0; i < b; i++) {
      double c = Math.min(1, maxNorm / (Math.sqrt(sq[i]) + 1e-6));
      for (int j = 0; j < clipped.length; j++) {
        clipped[j] += c * g[i][j];
      }
    }
    for (var route : List.of(ps, ps.materialized())) {
      assertClose(sq, route.squaredNorms(p, batch).toDoubleArray(), "peers squared norms");
      assertClose(clipped, flat(route.clippedSum(p, batch, maxNorm)), "peers clipped sum");
      double[] dots = route.dot(p, batch, p).toDoubleArray();
      double[] r = flat(p);
      for (int i = 0; i < b; i++) {
        assertEquals(dot(g[i], r), dots[i], TOL * Math.max(1, Math.abs(dots[i])), "peers dot " + i);
      }
    }
  }

  @Test
  void badArgumentsAreNamed() {
    Mlp m = Mlp.random(1, 0);
    PerSampleGrads<List<Tensor>, Tensor> ps = PerSampleGrads.of(m::loss);
    List<Tensor> p = m.params(1);
    Tensor x = m.batch(1, 3);
    var e = assertThrows(IllegalArgumentException.class, () -> ps.clippedSum(p, x, -1));
    assertTrue(e.getMessage().contains("maxNorm"), e.getMessage());
    List<Tensor> shortRef = p.subList(0, p.size() - 1);
    e = assertThrows(IllegalArgumentException.class, () -> ps.dot(p, x, shortRef));
    assertTrue(e.getMessage().contains("reference"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> ps.project(p, x, 0, 1));
    assertTrue(e.getMessage().contains("k must be"), e.getMessage());
  }
}
