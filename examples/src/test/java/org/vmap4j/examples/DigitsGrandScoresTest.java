package org.vmap4j.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import javax.imageio.ImageIO;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.vmap4j.Tensor;
import org.vmap4j.nn.StateDict;

@ExtendWith(SharedSpark.class)
class DigitsGrandScoresTest {
  @Test
  void theWeightsLoadByStateDictNameWithPyTorchsLayouts() {
    DigitsCnn.Params p = DigitsCnn.load();
    assertThat(StateDict.names(p))
        .containsExactly(
            "conv1.weight",
            "conv1.bias",
            "norm1.weight",
            "norm1.bias",
            "conv2.weight",
            "conv2.bias",
            "norm2.weight",
            "norm2.bias",
            "fc.weight",
            "fc.bias");
    assertThat(p.conv2().weight().shape()).containsExactly(16, 8, 3, 3);
    assertThat(p.fc().weight().shape()).containsExactly(10, 64);
    assertThat(p.size()).isEqualTo(1946);
  }

  @Test
  void theSparkJobsScoresMatchPyTorchAndThePerRowGrad(SparkSession spark, @TempDir Path folder)
      throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DigitsGrandScores.Result r =
        DigitsGrandScores.run(
            spark, new PrintStream(bytes, true, StandardCharsets.UTF_8), folder, 120);
    String printed = bytes.toString(StandardCharsets.UTF_8);
    assertThat(r.rows()).isEqualTo(120);
    assertThat(r.maxLossDiffToPyTorch()).isLessThan(1e-9);
    assertThat(r.maxNormDiffToPyTorch()).isLessThan(1e-9);
    assertThat(r.maxNormDiffToPerRowGrad()).isLessThan(1e-9);
    assertThat(r.perRowChecked()).hasSize(5).contains(0, 119);
    assertThat(printed)
        .contains("checks passed")
        .contains("written to " + r.chart())
        .doesNotContain("NaN");
    BufferedImage png = ImageIO.read(r.chart().toFile());
    assertThat(png.getWidth()).isEqualTo(800);
  }

  /**
   * The PyTorch check is not vacuous: one class's output weights off by 1e-3 (a small error in
   * loading, say) fail it. Rows the model is sure of (every row it was trained on) hardly move, so
   * the test looks at the last 100 rows, which PyTorch did not train on.
   */
  @Test
  void perturbedWeightsFailThePyTorchCheck() {
    DigitsCnn.Params p = DigitsCnn.load();
    double[] shift = new double[10 * 64];
    java.util.Arrays.fill(shift, 3 * 64, 4 * 64, 1e-3); // the weights of class 3's logit
    DigitsCnn.Params perturbed =
        new DigitsCnn.Params(
            p.conv1(),
            p.norm1(),
            p.conv2(),
            p.norm2(),
            new DigitsCnn.Layer(p.fc().weight().add(Tensor.of(shift, 10, 64)), p.fc().bias()));
    Digits data = Digits.load();
    double[][] reference = DigitsGrandScores.pyTorchReference(Digits.ROWS);
    double worst = 0;
    for (int i = Digits.ROWS - 100; i < Digits.ROWS; i++) {
      Map<String, Tensor> row =
          Map.of(
              "pixels", data.pixels().index(0, i),
              "digit", data.digits().index(0, i));
      worst =
          Math.max(
              worst,
              DigitsGrandScores.relative(
                  DigitsCnn.rowLoss(perturbed, row).item(), reference[i][0]));
    }
    assertThat(worst).isGreaterThan(DigitsGrandScores.TOLERANCE);
    double observed = worst;
    assertThatThrownBy(() -> DigitsGrandScores.check("PyTorch's losses", observed))
        .hasMessageContaining("digits CNN GraNd check failed");
  }
}
