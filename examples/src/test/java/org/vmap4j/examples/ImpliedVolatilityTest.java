package org.vmap4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.vmap4j.Tensor;

@ExtendWith(SharedSpark.class)
class ImpliedVolatilityTest {
  @Test
  void newtonInAWhileLoopRecoversTheVolatilityOfOneOption() {
    // an at-the-money option priced at vol 0.3, and its implied vol and vega
    double price = BlackScholes.ClosedForm.of(100, 105, 0.3, 0.02, 0.75).price();
    Tensor quote = Tensor.of(new double[] {price, 100, 105, 0.02, 0.75}, 5);
    assertThat(ImpliedVolatility.solve(quote).item())
        .isCloseTo(0.3, org.assertj.core.api.Assertions.within(1e-12));
    double dvolDprice =
        org.vmap4j.Func.grad((Tensor q) -> ImpliedVolatility.impliedVolatility(q))
            .apply(quote)
            .index(0, ImpliedVolatility.QUOTE)
            .item();
    double vega = BlackScholes.ClosedForm.of(100, 105, 0.3, 0.02, 0.75).vega();
    assertThat(1 / dvolDprice).isCloseTo(vega, org.assertj.core.api.Assertions.within(1e-8 * vega));
  }

  @Test
  void everyCheckedRowMatchesBisectionOnSpark(SparkSession spark) {
    ByteArrayOutputStream text = new ByteArrayOutputStream();
    ImpliedVolatility.Result r =
        ImpliedVolatility.run(spark, new PrintStream(text, true, StandardCharsets.UTF_8), 300);
    System.out.print(text.toString(StandardCharsets.UTF_8));
    assertThat(r.rows()).isEqualTo(300);
    assertThat(r.checked()).isGreaterThan(200);
    assertThat(r.maxSigmaError()).isLessThanOrEqualTo(ImpliedVolatility.SIGMA_TOLERANCE);
    assertThat(r.maxVegaError()).isLessThanOrEqualTo(ImpliedVolatility.VEGA_TOLERANCE);
    assertThat(text.toString(StandardCharsets.UTF_8)).contains("check passed");
  }
}
