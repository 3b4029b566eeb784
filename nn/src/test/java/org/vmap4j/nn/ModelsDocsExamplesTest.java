package org.vmap4j.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.vmap4j.Func.grad;
import static org.vmap4j.Func.jit;
import static org.vmap4j.Func.vmap;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmap4j.DType;
import org.vmap4j.InDims;
import org.vmap4j.Tensor;
import org.vmap4j.Tree;

/** The snippets of docs/models.md, as written there (the file paths aside). */
class ModelsDocsExamplesTest {
  @TempDir Path dir;

  // --- docs/models.md: "A model written for one example"
  record TextClassifier(
      Embedding.Params embed, TransformerEncoderLayer.Params encoder, Linear.Params classifier) {}

  record Example(Tensor tokens, Tensor pad, Tensor label) {}

  static final TransformerEncoderLayer ENCODER = new TransformerEncoderLayer(8, 2, 16);

  static Tensor logits(TextClassifier p, Tensor tokens, Tensor pad) {
    Tensor h = Functional.embedding(tokens, p.embed().weight()); // [L, 8]
    h = ENCODER.apply(p.encoder(), h, pad); // pad: BOOL [L], true at padding
    Tensor keep = Tensor.where(pad, 0.0, Tensor.ones(DType.F64, pad.shape())).unsqueeze(1);
    Tensor pooled = h.mul(keep).sum(0).div(keep.sum()); // mean over the real tokens
    return Functional.linear(pooled, p.classifier().weight(), p.classifier().bias());
  }

  static Tensor loss(TextClassifier p, Example e) {
    return Functional.crossEntropy(logits(p, e.tokens(), e.pad()), e.label());
  }

  // ---

  @Test
  void loadWeightsAndComputePerSampleGradients() throws IOException {
    Path weightsFile = Fixtures.path("transformer_weights.safetensors");
    Map<String, Tensor> fixture = Fixtures.load("transformer_expected.safetensors");
    Example batch = new Example(fixture.get("tokens"), fixture.get("pad"), fixture.get("labels"));

    // --- docs/models.md: "Loading the weights"
    TextClassifier template =
        new TextClassifier(
            new Embedding(11, 8).init(0, DType.F64),
            ENCODER.init(0, DType.F64),
            new Linear(8, 3).init(0, DType.F64));
    Map<String, Tensor> stateDict = SafeTensors.load(weightsFile); // F32 weights become F64 here
    TextClassifier params = StateDict.load(template, stateDict);
    // ---
    assertThat(SafeTensors.metadata(weightsFile)).containsKey("model");

    // --- docs/models.md: "Per-sample gradients"
    BiFunction<TextClassifier, Example, TextClassifier> perSample =
        jit(vmap(grad(ModelsDocsExamplesTest::loss), InDims.of(null, 0)));
    TextClassifier g =
        perSample.apply(params, batch); // batch: tokens [B, L], pad [B, L], label [B]

    Tensor sq = Tensor.zeros(DType.F64, batch.label().shape()[0]);
    for (Tensor leaf : Tree.leaves(g)) { // every leaf is [B, ...the parameter's shape]
      sq = sq.add(leaf.reshape(leaf.shape()[0], -1).square().sum(1));
    }
    Tensor gradNorms = sq.sqrt(); // [B]: GraNd scores
    Map<String, Tensor> byName =
        StateDict.of(g); // "encoder.self_attn.in_proj_weight" -> [B, 24, 8]
    // ---

    assertThat(byName.get("encoder.self_attn.in_proj_weight").shape()).containsExactly(4, 24, 8);
    // the norms from functorch's per-sample gradients
    double[] expected = new double[4];
    for (String name : StateDict.names(params)) {
      Tensor t = fixture.get("per_sample_grad." + name);
      double[] s = t.reshape(4, -1).square().sum(1).toDoubleArray();
      for (int b = 0; b < 4; b++) {
        expected[b] += s[b];
      }
    }
    for (int b = 0; b < 4; b++) {
      assertThat(gradNorms.toDoubleArray()[b])
          .isCloseTo(Math.sqrt(expected[b]), org.assertj.core.data.Offset.offset(1e-9));
    }

    // --- docs/models.md: "Saving"
    Path out = dir.resolve("fine-tuned.safetensors");
    SafeTensors.save(out, StateDict.of(params), Map.of("step", "1000"));
    // ---
    assertThat(
            StateDict.of(StateDict.load(template, SafeTensors.load(out)))
                .get("classifier.bias")
                .toDoubleArray())
        .containsExactly(params.classifier().bias().toDoubleArray());
    assertThat(SafeTensors.metadata(out)).containsExactly(Map.entry("step", "1000"));
  }

  @Test
  void layersAndSequential() {
    // --- docs/models.md: "Layers"
    Sequential mlp =
        Sequential.of(new Linear(4, 16), Sequential.function(Functional::gelu), new Linear(16, 3));
    List<Object> params = mlp.init(42, DType.F32); // [Linear.Params, null, Linear.Params]
    Tensor x = Tensor.randomNormal(1, DType.F32, 4);
    Tensor y = mlp.apply(params, x); // [3]
    List<Object> g = grad((List<Object> p) -> mlp.apply(p, x).square().sum()).apply(params);
    List<String> names = StateDict.names(params); // [0.weight, 0.bias, 2.weight, 2.bias]
    // ---
    assertThat(y.shape()).containsExactly(3);
    assertThat(g.get(0)).isInstanceOf(Linear.Params.class);
    assertThat(names).containsExactly("0.weight", "0.bias", "2.weight", "2.bias");
  }
}
