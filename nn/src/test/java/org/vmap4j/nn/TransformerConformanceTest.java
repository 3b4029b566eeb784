package org.vmap4j.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.vmap4j.Func.grad;
import static org.vmap4j.Func.jacrev;
import static org.vmap4j.Func.jit;
import static org.vmap4j.Func.vmap;

import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vmap4j.DType;
import org.vmap4j.InDims;
import org.vmap4j.Tensor;

/**
 * A transformer encoder block (embedding, multi-head self-attention with a padding mask, post-norm
 * LayerNorm, GELU MLP, mean-pool, linear classifier) against PyTorch 1.13 + functorch in F64: the
 * weights are PyTorch's, written as safetensors and loaded by name; the forward pass, the loss, its
 * gradient, per-sample gradients {@code vmap(grad)} of every parameter and the per-example Jacobian
 * of the logits with respect to the embedded input agree to 1e-9, eagerly and under jit.
 */
class TransformerConformanceTest {
  static final double TOL = 1e-9;
  static TextClassifier params;
  static Map<String, Tensor> expected;
  static TextClassifier.Example batch;

  @BeforeAll
  static void load() {
    TextClassifier template =
        new TextClassifier(
            new Embedding(11, 8).init(1, DType.F64),
            TextClassifier.ENCODER.init(2, DType.F64),
            new Linear(8, 3).init(3, DType.F64));
    params = StateDict.load(template, Fixtures.load("transformer_weights.safetensors"));
    expected = Fixtures.load("transformer_expected.safetensors");
    batch =
        new TextClassifier.Example(
            expected.get("tokens"), expected.get("pad"), expected.get("labels"));
  }

  /** vmap with the parameters shared, as a BiFunction of (params, batch). */
  static Tensor batchLogits(TextClassifier p, TextClassifier.Example b) {
    BiFunction<Tensor, Tensor, Tensor> perExample = (t, m) -> TextClassifier.logits(p, t, m);
    return vmap(perExample).apply(b.tokens(), b.pad());
  }

  @ParameterizedTest(name = "jit = {0}")
  @ValueSource(booleans = {false, true})
  void forwardAndLoss(boolean jitted) {
    BiFunction<TextClassifier, TextClassifier.Example, Tensor> logits =
        TransformerConformanceTest::batchLogits;
    BiFunction<TextClassifier, TextClassifier.Example, Tensor> loss =
        (p, b) -> Functional.crossEntropy(batchLogits(p, b), b.label());
    if (jitted) {
      logits = jit(logits);
      loss = jit(loss);
    }
    Fixtures.assertClose(logits.apply(params, batch), expected.get("logits"), TOL, "logits");
    Fixtures.assertClose(loss.apply(params, batch), expected.get("loss"), TOL, "loss");
  }

  @ParameterizedTest(name = "jit = {0}")
  @ValueSource(booleans = {false, true})
  void gradientOfTheMeanLoss(boolean jitted) {
    BiFunction<TextClassifier, TextClassifier.Example, TextClassifier> g =
        grad(
            (TextClassifier p, TextClassifier.Example b) ->
                Functional.crossEntropy(batchLogits(p, b), b.label()));
    if (jitted) {
      g = jit(g);
    }
    compareByName(StateDict.of(g.apply(params, batch)), "grad.");
  }

  @ParameterizedTest(name = "jit = {0}")
  @ValueSource(booleans = {false, true})
  void perSampleGradientsOfEveryParameter(boolean jitted) {
    BiFunction<TextClassifier, TextClassifier.Example, TextClassifier> perSample =
        vmap(grad(TextClassifier::loss), InDims.of(null, 0));
    if (jitted) {
      perSample = jit(perSample);
    }
    TextClassifier g = perSample.apply(params, batch);
    Map<String, Tensor> named = StateDict.of(g);
    assertThat(named.get("embed.weight").shape()).containsExactly(4, 11, 8);
    compareByName(named, "per_sample_grad.");
  }

  @ParameterizedTest(name = "jit = {0}")
  @ValueSource(booleans = {false, true})
  void perExampleJacobianOfTheLogitsWithRespectToTheEmbeddedInput(boolean jitted) {
    BiFunction<Tensor, Tensor, Tensor> jacobian =
        vmap(
            (Tensor h, Tensor pad) ->
                jacrev((Tensor x) -> TextClassifier.logitsOfEmbedded(params, x, pad)).apply(h));
    if (jitted) {
      jacobian = jit(jacobian);
    }
    Tensor embedded = Functional.embedding(batch.tokens(), params.embed().weight());
    Fixtures.assertClose(embedded, expected.get("embedded"), 0, "embedded input");
    Fixtures.assertClose(
        jacobian.apply(embedded, batch.pad()),
        expected.get("jacobian"),
        TOL,
        "jacobian [B, C, L, D]");
  }

  private static void compareByName(Map<String, Tensor> actual, String prefix) {
    List<String> names = StateDict.names(params);
    assertThat(names).hasSize(15);
    for (String n : names) {
      Fixtures.assertClose(actual.get(n), expected.get(prefix + n), TOL, prefix + n);
    }
  }
}
