package org.vmap4j.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.vmap4j.DType;
import org.vmap4j.Tensor;

class LogisticRegressionByHandTest {
  @Test
  void dataLoadsWithTheDocumentedShape() {
    BreastCancer data = BreastCancer.load();
    assertThat(data.features().shape()).containsExactly(569, 30);
    assertThat(data.labels().sum().item()).isEqualTo(357); // benign rows in the UCI data set
    Tensor z = data.standardizedFeatures();
    assertThat(z.mean(0).abs().max().item()).isLessThan(1e-9);
  }

  @Test
  void handGradientMatchesCentralFiniteDifferences() {
    BreastCancer data = BreastCancer.load();
    Tensor x = data.standardizedFeatures().slice(0, 0, 100);
    Tensor y = data.labels().slice(0, 0, 100);
    LogisticRegressionByHand.Params p =
        new LogisticRegressionByHand.Params(
            Tensor.randomNormal(5, DType.F64, 30).mul(0.1), Tensor.scalar(0.2));
    LogisticRegressionByHand.Params g = LogisticRegressionByHand.gradient(p, x, y);
    double h = 1e-6;
    double[] w = p.w().toDoubleArray();
    double[] gw = g.w().toDoubleArray();
    for (int i = 0; i < w.length; i++) {
      double[] plus = w.clone();
      double[] minus = w.clone();
      plus[i] += h;
      minus[i] -= h;
      double fd =
          (LogisticRegressionByHand.loss(
                          new LogisticRegressionByHand.Params(Tensor.of(plus), p.b()), x, y)
                      .item()
                  - LogisticRegressionByHand.loss(
                          new LogisticRegressionByHand.Params(Tensor.of(minus), p.b()), x, y)
                      .item())
              / (2 * h);
      assertThat(gw[i]).as("d loss / d w[%d]", i).isCloseTo(fd, within(1e-7));
    }
    double fdB =
        (LogisticRegressionByHand.loss(
                        new LogisticRegressionByHand.Params(p.w(), Tensor.scalar(0.2 + h)), x, y)
                    .item()
                - LogisticRegressionByHand.loss(
                        new LogisticRegressionByHand.Params(p.w(), Tensor.scalar(0.2 - h)), x, y)
                    .item())
            / (2 * h);
    assertThat(g.b().item()).isCloseTo(fdB, within(1e-7));
  }

  @Test
  void trainingLowersTheLossAndSeparatesTheClasses() {
    BreastCancer data = BreastCancer.load();
    Tensor x = data.standardizedFeatures();
    LogisticRegressionByHand.Params trained =
        LogisticRegressionByHand.train(x, data.labels(), 200, 0.5);
    assertThat(LogisticRegressionByHand.loss(trained, x, data.labels()).item()).isLessThan(0.1);
    assertThat(LogisticRegressionByHand.accuracy(trained, x, data.labels())).isGreaterThan(0.97);
  }

  @Test
  void mainPrintsEverySection(@org.junit.jupiter.api.io.TempDir java.nio.file.Path charts) {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    Main.run(
        new java.io.PrintStream(bytes, true, java.nio.charset.StandardCharsets.UTF_8),
        charts,
        new Main.Sizes(200, 120, 20, 100, 120, 20));
    String out = bytes.toString(java.nio.charset.StandardCharsets.UTF_8);
    assertThat(out)
        .contains(
            "1. Batched dot products",
            "4. Per-sample gradients",
            "5. Logistic regression",
            "6. The same cases compiled with jit",
            "7. Three-argument functions (Fn3, gradAll) and Jacobians of a record",
            "8. Per-sample gradients on an embedded Spark",
            "9. Black-Scholes Greeks",
            "Black-Scholes call prices and Greeks for 200 generated options",
            "10. Implied volatility by Newton's method in a whileLoop",
            "Implied volatility of 100 call prices",
            "11. Per-sample gradients of an MLP on the digits",
            "on the UCI digits (120 images",
            "12. GraNd scores of a CNN",
            "on the digits, 120 rows",
            "checks passed",
            "check passed",
            "13. Per-sample gradient norms, dot products and clipped sums",
            "by the ghost-norm rewrite",
            "on Spark (3 partitions): norm and dot-with-reference columns",
            "14. Differentially private training on Spark",
            "epsilon spent (RDP)",
            "DP-SGD on the digits: MLP",
            "15. GPU: ",
            "All checks passed");
    assertThat(charts.resolve("black_scholes_greeks.png")).isRegularFile();
    assertThat(charts.resolve("digits_gradient_norms.png")).isRegularFile();
    assertThat(charts.resolve("breast_cancer_gradient_norms.png")).isRegularFile();
    assertThat(charts.resolve("digits_cnn_grand_scores.png")).isRegularFile();
    assertThat(out).doesNotContain("NaN");
    // the four seed cases agree with their loops to float precision
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("max abs difference to [^:]*: (\\S+)").matcher(out);
    int found = 0;
    while (m.find()) {
      assertThat(Double.parseDouble(m.group(1))).isLessThan(1e-5);
      found++;
    }
    assertThat(found).isEqualTo(4);
    // eager and compiled results agree for the four jit timings
    java.util.regex.Matcher jit =
        java.util.regex.Pattern.compile("jit +\\S+ ms +max abs difference (\\S+)").matcher(out);
    int timed = 0;
    while (jit.find()) {
      assertThat(Double.parseDouble(jit.group(1))).isLessThan(1e-3);
      timed++;
    }
    assertThat(timed).isEqualTo(4);
  }
}
