package org.vmap4j.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.vmap4j.Func;
import org.vmap4j.Tensor;

@ExtendWith(SharedSpark.class)
class DigitsPerSampleGradientsTest {
  @Test
  void theDataLoadsWithTheDocumentedShapeAndClassCounts() {
    Digits d = Digits.load();
    assertThat(d.pixels().shape()).containsExactly(1797, 64);
    assertThat(d.pixels().min().item()).isEqualTo(0);
    assertThat(d.pixels().max().item()).isEqualTo(1);
    int[] counts = new int[10];
    for (int y : d.digits().toIntArray()) {
      counts[y]++;
    }
    // the UCI test set's class counts, as the data set's description gives them
    assertThat(counts).containsExactly(178, 182, 177, 183, 181, 182, 181, 179, 174, 180);
  }

  /** The plain-loop reference is itself checked: its gradient against central differences. */
  @Test
  void plainBackpropagationMatchesFiniteDifferencesOnEveryParameter() {
    Digits d = Digits.load();
    double[] params = DigitsPerSampleGradients.flatPerRow(DigitsMlp.init(3)).toDoubleArray();
    assertThat(params).hasSize(PlainMlp.SIZE);
    double[] x = Arrays.copyOfRange(d.pixels().toDoubleArray(), 64 * 11, 64 * 12);
    int digit = d.digits().toIntArray()[11];
    double[] g = PlainMlp.gradient(params, x, digit);
    double h = 1e-6;
    for (int j = 0; j < params.length; j++) {
      double[] up = params.clone();
      double[] down = params.clone();
      up[j] += h;
      down[j] -= h;
      double fd = (PlainMlp.loss(up, x, digit) - PlainMlp.loss(down, x, digit)) / (2 * h);
      assertThat(g[j]).as("parameter %d", j).isCloseTo(fd, within(1e-8));
    }
  }

  @Test
  void coreLossAndGradientAgreeWithThePlainLoops() {
    Digits d = Digits.load();
    DigitsMlp.Params p = DigitsMlp.init(4);
    double[] flat = DigitsPerSampleGradients.flatPerRow(p).toDoubleArray();
    double[] pixels = d.pixels().toDoubleArray();
    int[] digits = d.digits().toIntArray();
    double mean = 0;
    for (int i = 0; i < 20; i++) {
      mean += PlainMlp.loss(flat, Arrays.copyOfRange(pixels, 64 * i, 64 * (i + 1)), digits[i]);
    }
    Tensor x = d.pixels().slice(0, 0, 20);
    Tensor y = d.digits().slice(0, 0, 20);
    assertThat(DigitsMlp.loss(p, x, y).item()).isCloseTo(mean / 20, within(1e-12));
    double[] g =
        DigitsPerSampleGradients.flatPerRow(
                Func.grad((DigitsMlp.Params q) -> DigitsMlp.loss(q, x.index(0, 7), y.index(0, 7)))
                    .apply(p))
            .toDoubleArray();
    assertThat(g)
        .containsExactly(
            PlainMlp.gradient(flat, Arrays.copyOfRange(pixels, 64 * 7, 64 * 8), digits[7]),
            within(1e-12));
  }

  @Test
  void theSparkJobsGradientsPassEveryCheckAndTheHistogramIsDrawn(
      SparkSession spark, @TempDir Path folder) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DigitsPerSampleGradients.Result r =
        DigitsPerSampleGradients.run(
            spark, new PrintStream(bytes, true, StandardCharsets.UTF_8), folder, 150, 20);
    String printed = bytes.toString(StandardCharsets.UTF_8);

    assertThat(r.rows()).isEqualTo(150);
    assertThat(r.maxDiffToCore()).isLessThan(1e-9);
    assertThat(r.maxNormDiffToCore()).isLessThan(1e-9);
    assertThat(r.maxDiffToPlainLoops()).isLessThan(1e-9);
    assertThat(r.maxDiffToFiniteDifferences()).isLessThan(1e-6);
    assertThat(r.checkedRows()).hasSize(5).contains(0, 149);
    assertThat(r.norms().min()).isPositive().isLessThanOrEqualTo(r.norms().median());
    assertThat(r.norms().median()).isLessThanOrEqualTo(r.norms().p90());
    assertThat(r.norms().p90()).isLessThanOrEqualTo(r.norms().max());
    assertThat(r.trainAccuracy()).isGreaterThan(0.5); // 20 steps already learn something
    assertThat(printed)
        .contains("on the UCI digits (150 images")
        .contains("checks passed")
        .contains(String.format("max %.3g", r.norms().max()))
        .contains("written to " + r.chart())
        .doesNotContain("NaN");
    BufferedImage png = ImageIO.read(r.chart().toFile());
    assertThat(png.getWidth()).isEqualTo(800);
  }
}
