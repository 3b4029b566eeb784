package org.vmap4j.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.vmap4j.Func;
import org.vmap4j.Tensor;

@ExtendWith(SharedSpark.class)
class BlackScholesGreeksTest {
  private static final double[][] OPTIONS = {
    {100, 100, 0.2, 0.05, 1}, {80, 100, 0.35, 0.01, 0.25}, {130, 95, 0.5, 0.07, 2.5}
  };

  /** The reference itself: the closed-form Greeks are central differences of the closed price. */
  @Test
  void closedFormGreeksAreTheDerivativesOfTheClosedFormPrice() {
    for (double[] o : OPTIONS) {
      BlackScholes.ClosedForm cf = BlackScholes.ClosedForm.of(o[0], o[1], o[2], o[3], o[4]);
      assertThat(cf.delta()).isCloseTo(centralDifference(o, BlackScholes.SPOT), within(1e-7));
      assertThat(cf.dualDelta()).isCloseTo(centralDifference(o, BlackScholes.STRIKE), within(1e-7));
      assertThat(cf.vega()).isCloseTo(centralDifference(o, BlackScholes.VOLATILITY), within(1e-5));
      assertThat(cf.rho()).isCloseTo(centralDifference(o, BlackScholes.RATE), within(1e-5));
      // theta is minus the derivative with respect to time to expiry
      assertThat(cf.theta()).isCloseTo(-centralDifference(o, BlackScholes.TIME), within(1e-5));
    }
  }

  private static double centralDifference(double[] o, int i) {
    double h = 1e-5 * Math.max(1, Math.abs(o[i]));
    double[] up = o.clone();
    double[] down = o.clone();
    up[i] += h;
    down[i] -= h;
    return (closedPrice(up) - closedPrice(down)) / (2 * h);
  }

  private static double closedPrice(double[] o) {
    return BlackScholes.ClosedForm.of(o[0], o[1], o[2], o[3], o[4]).price();
  }

  @Test
  void coreJacrevOfThePriceIsTheClosedFormGreeks() {
    for (double[] o : OPTIONS) {
      BlackScholes.ClosedForm cf = BlackScholes.ClosedForm.of(o[0], o[1], o[2], o[3], o[4]);
      Tensor option = Tensor.of(o);
      assertThat(BlackScholes.price(option).item()).isCloseTo(cf.price(), within(1e-12));
      double[] j = Func.jacrev(BlackScholes::price).apply(option).toDoubleArray();
      assertThat(j)
          .containsExactly(
              new double[] {cf.delta(), cf.dualDelta(), cf.vega(), cf.rho(), -cf.theta()},
              within(1e-11));
    }
  }

  @Test
  void theSparkJobMatchesTheClosedFormOnEveryRowAndDrawsTheChart(
      SparkSession spark, @TempDir Path folder) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    BlackScholesGreeks.Result r =
        BlackScholesGreeks.run(
            spark, new PrintStream(bytes, true, StandardCharsets.UTF_8), folder, 300);
    String printed = bytes.toString(StandardCharsets.UTF_8);

    assertThat(r.errors())
        .extracting(BlackScholesGreeks.ColumnError::column)
        .containsExactlyElementsOf(BlackScholesGreeks.COLUMNS);
    for (BlackScholesGreeks.ColumnError e : r.errors()) {
      assertThat(e.scale()).as(e.column()).isPositive();
      assertThat(e.maxAbs()).as(e.column()).isLessThan(1e-9 * Math.max(1, e.scale()));
    }
    assertThat(r.chartErrors()).allSatisfy(e -> assertThat(e.ok()).isTrue());
    assertThat(printed)
        .contains("for 300 generated options")
        .contains("check passed")
        .contains("written to " + r.chart())
        .doesNotContain("NaN");
    BufferedImage png = ImageIO.read(r.chart().toFile());
    assertThat(png.getWidth()).isEqualTo(1200);
    assertThat(png.getHeight()).isEqualTo(450);
  }

  /** The check is not vacuous: dC/dT where theta belongs (the sign mistake) fails it. */
  @Test
  void theCheckRejectsThetaWithTheWrongSign(SparkSession spark) {
    List<Row> rows =
        BlackScholesGreeks.priceAndGreeks(BlackScholesGreeks.generatedOptions(spark, 50, 7))
            .collectAsList();
    BlackScholesGreeks.check(BlackScholesGreeks.errors(rows));

    List<Row> wrong = new ArrayList<>();
    for (Row row : rows) {
      Object[] values = new Object[row.size()];
      for (int i = 0; i < row.size(); i++) {
        values[i] = row.get(i);
      }
      int theta = row.fieldIndex("theta");
      values[theta] = -row.getDouble(theta);
      wrong.add(new GenericRowWithSchema(values, row.schema()));
    }
    assertThatThrownBy(() -> BlackScholesGreeks.check(BlackScholesGreeks.errors(wrong)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("theta differs from the closed form");
  }
}
