package org.vmap4j.nn;

import static org.vmap4j.Func.grad;

import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vmap4j.DType;
import org.vmap4j.Tensor;

/**
 * Every function of {@link Functional} against torch.nn.functional 1.13 in F64 (values from
 * generate_fixtures.py), including the stable regimes (|x| = 700, 800) and the kinks at 0.
 */
class FunctionalConformanceTest {
  static final double TOL = 1e-12;
  static Map<String, Tensor> t;

  @BeforeAll
  static void load() {
    t = Fixtures.load("functional.safetensors");
  }

  static void check(Tensor actual, String name) {
    Fixtures.assertClose(actual, t.get(name), TOL, name);
  }

  @Test
  void activations() {
    Tensor x = t.get("act.x");
    check(Functional.gelu(x), "gelu");
    check(Functional.silu(x), "silu");
    check(Functional.softplus(x), "softplus");
    check(Functional.softplus(x, 2, 5), "softplus.beta2.th5");
    check(Functional.logSigmoid(x), "logsigmoid");
  }

  @Test
  void activationGradientsIncludingTheKinkAtZero() {
    Tensor x = t.get("act.x");
    Tensor g =
        grad((Tensor v) ->
                Functional.softplus(v)
                    .sum()
                    .add(Functional.logSigmoid(v).sum())
                    .add(Functional.gelu(v).sum()))
            .apply(x);
    check(g, "act.grad");
  }

  @Test
  void linear() {
    check(Functional.linear(t.get("linear.x"), t.get("linear.w"), t.get("linear.b")), "linear.y");
    check(Functional.linear(t.get("linear.x"), t.get("linear.w"), null), "linear.y.nobias");
  }

  @Test
  void losses() {
    Tensor logits = t.get("ce.logits");
    Tensor target = t.get("ce.target");
    check(Functional.crossEntropy(logits, target), "ce.mean");
    check(Functional.crossEntropy(logits, target, Reduction.SUM), "ce.sum");
    check(Functional.crossEntropy(logits, target, Reduction.of("none")), "ce.none");
    check(Functional.crossEntropy(logits, target, Reduction.MEAN, 0.1), "ce.smooth");
    check(Functional.crossEntropy(logits.index(0, 2), target.index(0, 2)), "ce.one");
    check(
        Functional.crossEntropy(logits, t.get("ce.probs"), Reduction.MEAN, 0.2), "ce.probs.smooth");
    check(
        Functional.crossEntropy(t.get("ce.spatial.logits"), t.get("ce.spatial.target")),
        "ce.spatial");
    check(Functional.nllLoss(logits.logSoftmax(1), target), "nll");
    check(Functional.mseLoss(t.get("mse.a"), t.get("mse.b")), "mse");
    check(Functional.mseLoss(t.get("mse.a"), t.get("mse.b"), Reduction.SUM), "mse.sum");
    check(Functional.binaryCrossEntropyWithLogits(t.get("bce.logits"), t.get("bce.target")), "bce");
    check(
        Functional.binaryCrossEntropyWithLogits(
            t.get("bce.logits"), t.get("bce.target"), Reduction.NONE),
        "bce.none");
  }

  @Test
  void ignoredTargets() {
    Tensor logits = t.get("ce.ignore.logits");
    Tensor target = t.get("ce.ignore.target"); // -100 at two positions: PyTorch's default
    check(Functional.crossEntropy(logits, target), "ce.ignore");
    check(Functional.crossEntropy(logits, target, Reduction.MEAN, 0.3), "ce.ignore.smooth");
    check(Functional.crossEntropy(logits, target, Reduction.SUM), "ce.ignore.sum");
    check(Functional.crossEntropy(logits, target, Reduction.NONE), "ce.ignore.none");
    Tensor clamped = target.maximum(Tensor.zeros(DType.I64, target.shape()));
    check(Functional.crossEntropy(logits, clamped, 2, Reduction.MEAN, 0), "ce.ignore2");
    check(Functional.nllLoss(logits.logSoftmax(1), target), "nll.ignore");
    Tensor g =
        grad((Tensor l) -> Functional.crossEntropy(l, target, Reduction.MEAN, 0.3)).apply(logits);
    check(g, "ce.ignore.grad");
  }

  @Test
  void normalization() {
    check(
        Functional.layerNorm(t.get("ln.x"), new int[] {4, 5}, t.get("ln.w"), t.get("ln.b"), 1e-5),
        "ln.y");
    check(Functional.layerNorm(t.get("ln.x"), new int[] {5}, null, null, 1e-3), "ln.y.noaffine");
    check(Functional.groupNorm(t.get("gn.x"), 3, t.get("gn.w"), t.get("gn.b"), 1e-5), "gn.y");
    check(
        Functional.batchNorm(
            t.get("gn.x"), t.get("bn.mean"), t.get("bn.var"), t.get("gn.w"), t.get("gn.b"), 1e-5),
        "bn.y");
    check(
        Functional.batchNorm(
            t.get("gn.x"), null, null, t.get("gn.w"), t.get("gn.b"), true, 0.1, 1e-5),
        "bn.train");
  }

  @Test
  void embeddingAndAttention() {
    check(Functional.embedding(t.get("emb.idx"), t.get("emb.w")), "emb.y");
    Tensor q = t.get("sdpa.q");
    Tensor k = t.get("sdpa.k");
    Tensor v = t.get("sdpa.v");
    check(Functional.scaledDotProductAttention(q, k, v, t.get("sdpa.mask")), "sdpa.y");
    check(Functional.scaledDotProductAttention(q, k, v, null), "sdpa.y.nomask");
  }
}
