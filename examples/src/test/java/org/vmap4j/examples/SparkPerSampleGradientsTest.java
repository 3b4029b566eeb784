package org.vmap4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.vmap4j.Func;
import org.vmap4j.InDims;
import org.vmap4j.Tensor;
import org.vmap4j.examples.LogisticRegressionByHand.Params;

@ExtendWith(SharedSpark.class)
class SparkPerSampleGradientsTest {
  @Test
  void theJobWritesPerSampleGradientsEqualToCoreAndPrintsTheLargestNorms(
      SparkSession spark, @TempDir Path folder) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    SparkPerSampleGradients.Result r =
        SparkPerSampleGradients.run(
            spark,
            new PrintStream(bytes, true, StandardCharsets.UTF_8),
            folder,
            folder.resolve("charts"));
    String printed = bytes.toString(StandardCharsets.UTF_8);

    assertThat(Files.isDirectory(r.parquet())).isTrue();
    List<Row> rows = r.gradients();
    assertThat(rows).hasSize(569);
    BreastCancer data = BreastCancer.load();
    Tensor x = data.standardizedFeatures();
    Tensor y = data.labels();
    Params expected =
        Func.vmap(Func.grad(SparkPerSampleGradients::loss), InDims.of(null, 0))
            .apply(r.params(), Map.of("features", x, "label", y));
    double[] ew = expected.w().toDoubleArray();
    double[] eb = expected.b().toDoubleArray();
    double maxNorm = 0;
    for (int i = 0; i < 569; i++) {
      Row row = rows.get(i);
      assertThat(row.getInt(0)).isEqualTo(i);
      List<Double> gw = row.getList(2);
      double sq = 0;
      for (int j = 0; j < 30; j++) {
        assertThat(gw.get(j)).isCloseTo(ew[i * 30 + j], org.assertj.core.data.Offset.offset(1e-9));
        sq += ew[i * 30 + j] * ew[i * 30 + j];
      }
      assertThat(row.getDouble(3)).isCloseTo(eb[i], org.assertj.core.data.Offset.offset(1e-9));
      sq += eb[i] * eb[i];
      assertThat(row.getDouble(4))
          .isCloseTo(Math.sqrt(sq), org.assertj.core.data.Offset.offset(1e-9));
      maxNorm = Math.max(maxNorm, Math.sqrt(sq));
    }
    assertThat(printed)
        .contains("569 rows x 30 features")
        .contains("the 5 rows with the largest gradient norms")
        .contains(String.format("%9.4f", maxNorm))
        .contains("rows/s")
        .contains("gradients written to " + r.parquet());
    assertThat(r.rowsPerSecond()).isPositive();
    assertThat(printed).contains("histogram of the gradient norms written to " + r.chart());
    assertThat(ImageIO.read(r.chart().toFile()).getWidth()).isEqualTo(800);
  }
}
