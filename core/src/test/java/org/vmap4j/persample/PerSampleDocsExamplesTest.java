package org.vmap4j.persample;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.vmap4j.DType;
import org.vmap4j.Fn3;
import org.vmap4j.Func;
import org.vmap4j.InDims;
import org.vmap4j.PerSampleGrads;
import org.vmap4j.Tensor;

/** The snippets of docs/persample.md, as written there (between the markers), with checks. */
class PerSampleDocsExamplesTest {
  record Mlp(Tensor w1, Tensor b1, Tensor w2, Tensor b2) {}

  final Mlp params =
      new Mlp(
          Tensor.randomNormal(1, DType.F64, 128, 256).mul(0.05),
          Tensor.zeros(DType.F64, 256),
          Tensor.randomNormal(2, DType.F64, 256, 10).mul(0.05),
          Tensor.zeros(DType.F64, 10));
  final Tensor xs = Tensor.randomNormal(3, DType.F64, 32, 128);
  final Mlp reference = params;

  @Test
  void theSnippetsAreTheOnesInTheDocs() throws java.io.IOException {
    String docs = java.nio.file.Files.readString(java.nio.file.Path.of("../docs/persample.md"));
    String source =
        java.nio.file.Files.readString(
            java.nio.file.Path.of(
                "src/test/java/org/vmap4j/persample/PerSampleDocsExamplesTest.java"));
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("(?s)    // --- docs/persample.md\n(.*?)    // ---\n")
            .matcher(source);
    int found = 0;
    while (m.find()) {
      String snippet = m.group(1).replaceAll("(?m)^    ", "");
      assertThat(docs).as("docs/persample.md holds the snippet%n%s", snippet).contains(snippet);
      found++;
    }
    assertThat(found).isEqualTo(3);
  }

  @Test
  void theFourReductions() {
    // --- docs/persample.md
    BiFunction<Mlp, Tensor, Tensor> loss =
        (p, x) -> x.matmul(p.w1()).add(p.b1()).tanh().matmul(p.w2()).add(p.b2()).logSumExp(0);
    PerSampleGrads<Mlp, Tensor> ps = PerSampleGrads.of(loss);
    Tensor norms = ps.norms(params, xs); // [B]
    Mlp clipped = ps.clippedSum(params, xs, 1.0); // Σ_b g_b·min(1, C/(|g_b|+1e-6))
    Tensor dots = ps.dot(params, xs, reference); // [B]: <g_b, reference>
    Tensor projected = ps.project(params, xs, 64, 42L); // [B, 64], same (k, seed) same Ω
    Tensor eager = ps.materialized().norms(params, xs); // vmap(grad) then norms, eagerly
    // ---
    assertThat(norms.allClose(eager, 1e-9, 1e-12)).isTrue();
    assertThat(projected.shape()).containsExactly(32, 64);
    assertThat(dots.allClose(ps.materialized().dot(params, xs, reference), 1e-9, 1e-12)).isTrue();
    assertThat(
            clipped.w1().allClose(ps.materialized().clippedSum(params, xs, 1.0).w1(), 1e-9, 1e-12))
        .isTrue();
  }

  @Test
  void seeWhetherARewriteFired() {
    // --- docs/persample.md
    BiFunction<Mlp, Tensor, Tensor> loss =
        (p, x) -> x.matmul(p.w1()).add(p.b1()).tanh().matmul(p.w2()).add(p.b2()).logSumExp(0);
    BiFunction<Mlp, Tensor, Mlp> grad = Func.grad(loss);
    BiFunction<Mlp, Tensor, Tensor> squaredNorm =
        (p, x) -> {
          Mlp g = grad.apply(p, x);
          return g.w1()
              .square()
              .sum()
              .add(g.b1().square().sum())
              .add(g.w2().square().sum())
              .add(g.b2().square().sum());
        };
    BiFunction<Mlp, Tensor, Tensor> perExample = Func.vmap(squaredNorm, InDims.of(null, 0));
    String optimized = PerSampleGrads.optimizedProgram(perExample, params, xs);
    System.out.println(optimized); // ... = mul[rewrite=ghost_norm] ... (once per linear layer)
    Tensor squaredNorms = Func.jit(perExample).apply(params, xs); // runs that program
    // ---
    assertThat(optimized.split("rewrite=ghost_norm", -1)).hasSize(3);
    // no [32,128,256] or [32,256,10] per-sample weight gradient is left
    assertThat(optimized).doesNotContain("[32,128,256]").doesNotContain("[32,256,10]");
    assertThat(squaredNorms.allClose(perExample.apply(params, xs), 1e-9, 1e-12)).isTrue();
  }

  @Test
  void resultsIntoReusedBuffers() {
    BiFunction<Mlp, Tensor, Tensor> loss =
        (p, x) -> x.matmul(p.w1()).add(p.b1()).tanh().matmul(p.w2()).add(p.b2()).logSumExp(0);
    BiFunction<Mlp, Tensor, Mlp> perSample = Func.vmap(Func.grad(loss), InDims.of(null, 0));
    Tensor[] batches = {xs, Tensor.randomNormal(5, DType.F64, 32, 128)};
    Mlp last = null;
    // --- docs/persample.md
    Fn3<Mlp, Tensor, Mlp, Mlp> compiled = Func.jitReusing(perSample);
    Mlp grads = null;
    for (Tensor batch : batches) {
      grads = compiled.apply(params, batch, grads); // writes into the previous result's arrays
      // ... use grads before the next call; an earlier result must not be read again
    }
    // ---
    last = grads;
    assertThat(last.w1().allClose(perSample.apply(params, batches[1]).w1(), 1e-12, 1e-12)).isTrue();
  }
}
