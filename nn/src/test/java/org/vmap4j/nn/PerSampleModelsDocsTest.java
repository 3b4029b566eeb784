package org.vmap4j.nn;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.vmap4j.DType;
import org.vmap4j.PerSampleGrads;
import org.vmap4j.Tensor;

/** The nn snippets of docs/persample.md, as written there (between the markers), with checks. */
class PerSampleModelsDocsTest {
  record TextModel(Embedding.Params embedding, TransformerEncoderLayer.Params encoder) {}

  record ConvModel(Conv2d.Params conv) {}

  record Filter(Tensor weight, Tensor bias) {}

  record Tied(Tensor weight, Tensor scale) {}

  final Embedding embedding = new Embedding(1000, 32);
  final TransformerEncoderLayer encoder = new TransformerEncoderLayer(32, 4, 64);
  final TextModel params = new TextModel(embedding.init(1, DType.F64), encoder.init(2, DType.F64));
  final Tensor tokens = Tensor.randomUniform(3, DType.F64, 8, 12).mul(1000).astype(DType.I64);
  final Conv2d conv = new Conv2d(3, 8, 3, 1);
  final ConvModel convParams = new ConvModel(conv.init(4, DType.F64));
  final Tensor images = Tensor.randomNormal(5, DType.F64, 8, 3, 16, 16);
  final Conv2d deep =
      new Conv2d(16, 32, new int[] {3}, new int[] {2}, new int[] {1}, new int[] {1}, 1, true);
  final ConvModel deepParams = new ConvModel(deep.init(6, DType.F64));
  final Tensor features = Tensor.randomNormal(7, DType.F64, 4, 16, 8, 8);
  final Conv2d grouped =
      new Conv2d(16, 32, new int[] {3}, new int[] {2}, new int[] {1}, new int[] {1}, 4, true);
  final ConvModel groupedParams = new ConvModel(grouped.init(8, DType.F64));
  final Tensor maps = Tensor.randomNormal(9, DType.F64, 5, 16, 4, 4);
  final Filter sequenceParams =
      new Filter(
          Tensor.randomNormal(10, DType.F64, 32, 16, 3), Tensor.randomNormal(11, DType.F64, 32));
  final Tensor sequences = Tensor.randomNormal(12, DType.F64, 6, 16, 9);
  final Tied tied =
      new Tied(
          Tensor.randomNormal(13, DType.F64, 1000, 32), Tensor.randomNormal(14, DType.F64, 32));

  @Test
  void theSnippetsAreTheOnesInTheDocs() throws java.io.IOException {
    String docs = java.nio.file.Files.readString(java.nio.file.Path.of("../docs/persample.md"));
    String source =
        java.nio.file.Files.readString(
            java.nio.file.Path.of("src/test/java/org/vmap4j/nn/PerSampleModelsDocsTest.java"));
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("(?s)    // --- docs/persample.md\n(.*?)    // ---\n")
            .matcher(source);
    int found = 0;
    while (m.find()) {
      String snippet = m.group(1).replaceAll("(?m)^    ", "");
      assertThat(docs).as("docs/persample.md holds the snippet%n%s", snippet).contains(snippet);
      found++;
    }
    assertThat(found).isEqualTo(6);
  }

  @Test
  void anEncoderOverAnEmbeddingIsRewritten() {
    // --- docs/persample.md
    BiFunction<TextModel, Tensor, Tensor> loss = // tokens: i64 [T] per example
        (p, t) -> encoder.apply(p.encoder(), embedding.apply(p.embedding(), t)).square().mean();
    PerSampleGrads<TextModel, Tensor> ps = PerSampleGrads.of(loss);
    String text = ps.explain(params, tokens); // tokens: [B=8, T=12]
    // squaredNorms: 5 x rewrite=ghost_norm (in_proj, out_proj, linear1, linear2, the embedding)
    Tensor norms = ps.norms(params, tokens);
    // ---
    String normsProgram = text.substring(0, text.indexOf("clippedSum"));
    assertThat(normsProgram.split("rewrite=ghost_norm", -1)).hasSize(6);
    assertThat(norms.allClose(ps.materialized().norms(params, tokens), 1e-9, 1e-12)).isTrue();
  }

  @Test
  void aConvolutionFallsBack() {
    // --- docs/persample.md
    BiFunction<ConvModel, Tensor, Tensor> loss = // image: [3, 16, 16] per example
        (p, x) -> conv.apply(p.conv(), x).tanh().square().sum();
    PerSampleGrads<ConvModel, Tensor> ps = PerSampleGrads.of(loss);
    String text = ps.explain(convParams, images); // norms: no "rewrite=", the gradient is formed
    Tensor norms = ps.norms(convParams, images); // right, at the materialized cost
    Tensor dots = ps.dot(convParams, images, convParams); // rewrite=per_sample_dot: no gradient
    // ---
    String normsProgram = text.substring(0, text.indexOf("clippedSum"));
    assertThat(normsProgram).doesNotContain("rewrite=");
    assertThat(normsProgram).contains("f64[8,8,3,3,3]"); // the per-sample filter gradients, formed
    assertThat(norms.allClose(ps.materialized().norms(convParams, images), 1e-9, 1e-12)).isTrue();
    String dotProgram = text.substring(text.indexOf("dot ("), text.indexOf("project ("));
    assertThat(dotProgram).contains("rewrite=per_sample_dot").doesNotContain("f64[8,8,3,3,3]");
    assertThat(dots.allClose(ps.materialized().dot(convParams, images, convParams), 1e-9, 1e-12))
        .isTrue();
  }

  @Test
  void aStridedConvolutionWithFewPositionsIsRewritten() {
    // --- docs/persample.md
    BiFunction<ConvModel, Tensor, Tensor> loss = // features: [16, 8, 8] per example
        (p, x) -> deep.apply(p.conv(), x).tanh().square().sum(); // stride 2: 4x4 positions
    PerSampleGrads<ConvModel, Tensor> ps = PerSampleGrads.of(loss);
    String text = ps.explain(deepParams, features); // squaredNorms: rewrite=ghost_norm
    Tensor norms = ps.norms(deepParams, features); // from [B, 16, 16] Gram matrices
    // ---
    String normsProgram = text.substring(0, text.indexOf("clippedSum"));
    assertThat(normsProgram).contains("rewrite=ghost_norm").doesNotContain("f64[4,32,16,3,3]");
    assertThat(text).contains("clippedSum (1 of 1 weight leaves ghost_norm, 1 of 1 weight leaves");
    assertThat(norms.allClose(ps.materialized().norms(deepParams, features), 1e-9, 1e-12)).isTrue();
  }

  @Test
  void aGroupedConvolutionIsRewritten() {
    // --- docs/persample.md
    BiFunction<ConvModel, Tensor, Tensor> loss = // maps: [16, 4, 4] per example
        (p, x) -> grouped.apply(p.conv(), x).tanh().square().sum(); // 4 groups, 2x2 positions
    PerSampleGrads<ConvModel, Tensor> ps = PerSampleGrads.of(loss);
    String text = ps.explain(groupedParams, maps); // all four rewritten, no filter gradient formed
    ConvModel clipped = ps.clippedSum(groupedParams, maps, 1.0); // then one batch convolution
    Tensor projected = ps.project(groupedParams, maps, 16, 7L); // one grouped convolution with Q
    // ---
    assertThat(text.split("no per-sample weight gradient formed", -1)).hasSize(5);
    assertThat(text).doesNotContain("f64[5,32,4,3,3]"); // the per-sample filter gradients
    ConvModel want = ps.materialized().clippedSum(groupedParams, maps, 1.0);
    assertThat(clipped.conv().weight().allClose(want.conv().weight(), 1e-9, 1e-12)).isTrue();
    assertThat(clipped.conv().bias().allClose(want.conv().bias(), 1e-9, 1e-12)).isTrue();
    assertThat(
            projected.allClose(ps.materialized().project(groupedParams, maps, 16, 7L), 1e-9, 1e-12))
        .isTrue();
  }

  @Test
  void aOneDimensionalConvolutionIsRewritten() {
    // --- docs/persample.md
    BiFunction<Filter, Tensor, Tensor> loss = // sequence: [16, 9] per example
        (p, x) ->
            Functional.conv1d(x, p.weight(), p.bias(), new int[] {2}, new int[] {1}, null, 1)
                .tanh()
                .square()
                .sum();
    PerSampleGrads<Filter, Tensor> ps = PerSampleGrads.of(loss);
    String text = ps.explain(sequenceParams, sequences); // all four rewritten: no [B, 32, 16, 3]
    Tensor norms = ps.norms(sequenceParams, sequences); // from [B, 5, 5] Gram matrices
    // ---
    assertThat(text.split("no per-sample weight gradient formed", -1)).hasSize(5);
    assertThat(text).doesNotContain("f64[6,32,16,3]").contains("f64[6,5,5] = dot_general");
    assertThat(norms.allClose(ps.materialized().norms(sequenceParams, sequences), 1e-9, 1e-12))
        .isTrue();
  }

  @Test
  void aTiedEmbeddingIsRewritten() {
    // --- docs/persample.md
    BiFunction<Tied, Tensor, Tensor> loss = // tokens: i64 [T] per example
        (p, t) -> {
          Tensor h = Functional.embedding(t, p.weight()).mul(p.scale()).tanh(); // [T, D]
          return h.matmul(p.weight().transpose()).logSumExp(1).sum(); // logits [T, V] by W itself
        };
    PerSampleGrads<Tied, Tensor> ps = PerSampleGrads.of(loss);
    String text = ps.explain(tied, tokens); // all four rewritten: no [B, V, D] gradient formed
    Tensor norms = ps.norms(tied, tokens); // |G1|² + |G2|² + 2<G1, G2>
    // ---
    assertThat(text.split("no per-sample weight gradient formed", -1)).hasSize(5);
    assertThat(text).doesNotContain("f64[8,1000,32]");
    assertThat(norms.allClose(ps.materialized().norms(tied, tokens), 1e-9, 1e-12)).isTrue();
  }
}
