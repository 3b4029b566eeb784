package org.vmap4j.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.vmap4j.DType;
import org.vmap4j.PerSampleGrads;
import org.vmap4j.Tensor;

/**
 * The per-sample reduction snippets of docs/spark.md and docs/persample.md, as written there
 * (between the markers), checked against core's materialized route on the collected rows.
 */
@ExtendWith(SharedSpark.class)
class PerSampleReductionsDocsTest {
  record Params(Tensor w, Tensor b) {}

  @Test
  void theSnippetsAreTheOnesInTheDocs() throws java.io.IOException {
    String source =
        Files.readString(
            Path.of("src/test/java/org/vmap4j/spark/PerSampleReductionsDocsTest.java"));
    Matcher m =
        Pattern.compile("(?s)    // --- (docs/[a-z]+\\.md)\n(.*?)    // ---\n").matcher(source);
    int found = 0;
    while (m.find()) {
      String docs = Files.readString(Path.of("..", m.group(1)));
      String snippet = m.group(2).replaceAll("(?m)^    ", "");
      assertThat(docs).as("%s holds the snippet%n%s", m.group(1), snippet).contains(snippet);
      found++;
    }
    assertThat(found).isEqualTo(1);
  }

  @Test
  void reductionColumnsAndTheClippedSum(SparkSession spark) {
    Dataset<Row> df = PerSampleGradientsTest.data(spark);
    Params params = new Params(Tensor.randomNormal(3, DType.F64, 6).mul(0.5), Tensor.scalar(0.1));
    Params reference = new Params(Tensor.randomNormal(4, DType.F64, 6), Tensor.scalar(1.0));
    SerializableBiFunction<Params, Map<String, Tensor>, Tensor> loss =
        (p, row) -> {
          Tensor z = row.get("features").dot(p.w()).add(p.b());
          return Tensor.stack(0, z.mul(0), z).logSumExp(0).sub(row.get("label").mul(z));
        };

    // --- docs/spark.md
    Dataset<Row> scores =
        PerSampleGradients.of(loss, params)
            .inputColumns("features", "label")
            .withNorm("grad_norm") // |g|
            .withProjection("trak", 64, 42L) // [64]: Ω g / √64, Ω fixed by (k, seed)
            .withDot("tracin", reference) // <g, reference>, reference shaped like params
            .withoutGradients() // no grad_* columns: no row's gradient is formed
            .transform(df); // ..., grad_norm, trak, tracin

    PerSampleGradients.ClippedSum<Params> total =
        PerSampleGradients.of(loss, params)
            .inputColumns("features", "label")
            .clipNorm(1.0)
            .clippedGradientSum(df); // Σ over all rows of g·min(1, C/(|g|+1e-6))
    Params sum = total.sum(); // shaped like params
    long rows = total.rows();
    // ---

    List<Row> collected = scores.collectAsList();
    Map<String, Tensor> batch =
        Map.of(
            "features", Frames.f64(collected, "features"),
            "label", Frames.f64(collected, "label"));
    PerSampleGrads<Params, Map<String, Tensor>> eager =
        PerSampleGrads.of(loss::apply).materialized();
    double tol = 1e-9;
    assertThat(Frames.f64(collected, "grad_norm").allClose(eager.norms(params, batch), 0, tol))
        .isTrue();
    assertThat(
            Frames.f64(collected, "trak").allClose(eager.project(params, batch, 64, 42L), 0, tol))
        .isTrue();
    assertThat(
            Frames.f64(collected, "tracin").allClose(eager.dot(params, batch, reference), 0, tol))
        .isTrue();
    Params want = eager.clippedSum(params, batch, 1.0);
    assertThat(rows).isEqualTo(collected.size());
    assertThat(sum.w().allClose(want.w(), 0, tol)).isTrue();
    assertThat(sum.b().allClose(want.b(), 0, tol)).isTrue();
  }
}
