package org.vmap4j.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.vmap4j.DType;
import org.vmap4j.Func;
import org.vmap4j.Tensor;

@ExtendWith(SharedSpark.class)
class ImpliedVolatilityTest {
  /** The reference itself: bisection recovers the volatility that priced an option. */
  @Test
  void bisectionRecoversTheVolatilityThatPricedTheOption() {
    double price = BlackScholes.ClosedForm.of(100, 110, 0.3, 0.02, 0.75).price();
    assertThat(ImpliedVolatility.bisection(price, 100, 110, 0.02, 0.75))
        .isCloseTo(0.3, within(1e-13));
  }

  @Test
  void newtonInAWhileLoopSolvesOneQuoteAndItsGradientIsOneOverVega() {
    double price = BlackScholes.ClosedForm.of(90, 100, 0.45, 0.05, 1.5).price();
    Tensor quote = Tensor.of(new double[] {price, 90, 100, 0.05, 1.5});
    assertThat(ImpliedVolatility.IMPLIED_VOLATILITY.apply(quote).item())
        .isCloseTo(0.45, within(1e-12));
    double dVolDPrice =
        Func.grad(ImpliedVolatility.IMPLIED_VOLATILITY).apply(quote).toDoubleArray()[0];
    double vega = BlackScholes.ClosedForm.of(90, 100, 0.45, 0.05, 1.5).vega();
    assertThat(dVolDPrice).isCloseTo(1 / vega, within(1e-12));
  }

  @Test
  void everyRowPassesTheChecksInCoreAndOnSpark(SparkSession spark) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ImpliedVolatility.Result r =
        ImpliedVolatility.run(spark, new PrintStream(bytes, true, StandardCharsets.UTF_8), 200);
    String printed = bytes.toString(StandardCharsets.UTF_8);
    assertThat(r.rows()).isEqualTo(200);
    assertThat(r.maxSparkDiff()).isLessThanOrEqualTo(1e-12);
    assertThat(r.maxVolErrorOverTolerance()).isLessThanOrEqualTo(1);
    assertThat(r.maxVegaRelError()).isLessThan(ImpliedVolatility.VEGA_TOLERANCE);
    assertThat(r.maxFiniteDifferenceError())
        .isLessThan(ImpliedVolatility.FINITE_DIFFERENCE_TOLERANCE);
    assertThat(printed).contains("checks passed").doesNotContain("NaN");
  }

  /**
   * The checks are not vacuous: a rule that forgets the implicit function theorem's minus sign
   * gives gradients that central differences of the bisection reject.
   */
  @Test
  void aWrongImplicitRuleFailsTheFiniteDifferenceCheck() {
    double price = BlackScholes.ClosedForm.of(120, 100, 0.25, 0.03, 0.5).price();
    Tensor quote = Tensor.of(new double[] {price, 120, 100, 0.03, 0.5});
    Function<Tensor, Tensor> wrongSign =
        Func.customVjp(
            ImpliedVolatility::newton,
            (q, vol, g) -> {
              Tensor j =
                  Func.jacrev(BlackScholes::price)
                      .apply(
                          Tensor.stack(
                              0, q.index(0, 1), q.index(0, 2), vol, q.index(0, 3), q.index(0, 4)));
              Tensor vega = j.index(0, BlackScholes.VOLATILITY);
              return Tensor.stack(
                      0,
                      Tensor.scalar(DType.F64, -1),
                      j.index(0, 0),
                      j.index(0, 1),
                      j.index(0, 3),
                      j.index(0, 4))
                  .div(vega)
                  .mul(g); // the minus sign forgotten
            });
    double wrong = Func.grad(wrongSign).apply(quote).toDoubleArray()[0];
    double h = 1e-5 * price;
    double fd =
        (ImpliedVolatility.bisection(price + h, 120, 100, 0.03, 0.5)
                - ImpliedVolatility.bisection(price - h, 120, 100, 0.03, 0.5))
            / (2 * h);
    assertThat(Math.abs(wrong - fd)).isGreaterThan(ImpliedVolatility.FINITE_DIFFERENCE_TOLERANCE);
    assertThatThrownBy(
            () ->
                ImpliedVolatility.check(
                    "gradient against finite differences",
                    Math.abs(wrong - fd),
                    ImpliedVolatility.FINITE_DIFFERENCE_TOLERANCE))
        .hasMessageContaining("implied volatility check failed");
  }
}
