package org.vmap4j.examples;

import static org.vmap4j.Func.grad;
import static org.vmap4j.Func.jacfwd;
import static org.vmap4j.Func.jacrev;
import static org.vmap4j.Func.vjp;
import static org.vmap4j.Func.vmap;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.apache.spark.sql.SparkSession;
import org.vmap4j.DType;
import org.vmap4j.InDims;
import org.vmap4j.Tensor;
import org.vmap4j.Vjp;
import org.vmap4j.gpu.CudaBackend;

/**
 * The README's main command runs this program. It shows what vmap4j computes today, with real
 * numbers: eager tensors on the CPU, the torch.vmap tutorial's first case done by hand (batched dot
 * products), a model written for one example applied to a batch, and logistic regression on the
 * breast cancer data with a hand-derived gradient, the same cases compiled with jit, and three jobs
 * on an embedded Spark: per-sample gradients on the breast cancer data, Black–Scholes Greeks as
 * per-row Jacobians, implied volatility by Newton's method in a whileLoop (core and a vmapUdf),
 * per-sample gradients of an MLP on the digits, and GraNd scores of a CNN trained by PyTorch (its
 * safetensors weights) on the digits; also three-argument functions and Jacobians of records in
 * core. Each prints its checks and how long it took; the Spark jobs also write charts (PNG) into
 * {@code target/charts} (or {@code -Dvmap4j.charts=DIR}). Each Spark job also has a main program of
 * its own (see docs/examples.md).
 */
public final class Main {
  private Main() {}

  /** How much data the Spark sections use: all of it here, less in the tests. */
  record Sizes(int options, int digitRows, int digitSteps, int quotes, int cnnRows, int dpSteps) {
    static final Sizes FULL = new Sizes(4000, Digits.ROWS, 200, 1000, Digits.ROWS, 40);
  }

  public static void main(String[] args) {
    run(System.out, Charts.folder(), Sizes.FULL);
  }

  /** Largest absolute difference between a batched result and the stacked per-example ones. */
  static double maxAbsDiff(Tensor batched, Tensor[] perExample) {
    return batched.sub(Tensor.stack(0, perExample)).abs().max().item();
  }

  /**
   * The difference, after checking it: sections 1 to 5 compare results that must agree up to
   * rounding (F32 to 1e-5, F64 to 1e-12, a hand-derived gradient to 1e-10).
   */
  static double checked(double difference, double tolerance) {
    if (!(difference <= tolerance)) {
      throw new IllegalStateException(
          String.format("check failed: difference %.3g above %.0e", difference, tolerance));
    }
    return difference;
  }

  /**
   * Prints the title, runs the section, and prints its wall time and the CPU time of the whole
   * process (Spark's task threads included) meanwhile: the machine may be shared.
   */
  static void section(PrintStream out, String title, Runnable body) {
    out.println(title);
    long wall = System.nanoTime();
    long cpu = processCpuNanos();
    body.run();
    out.printf(
        "   [%.1f s, %.1f s of CPU]%n",
        (System.nanoTime() - wall) / 1e9, (processCpuNanos() - cpu) / 1e9);
    out.println();
  }

  private static long processCpuNanos() {
    return ManagementFactory.getOperatingSystemMXBean()
            instanceof com.sun.management.OperatingSystemMXBean os
        ? os.getProcessCpuTime()
        : 0;
  }

  static void run(PrintStream out, Path chartFolder, Sizes sizes) {
    out.println("vmap4j examples, on the CPU");
    out.println();
    long wall = System.nanoTime();
    long cpu = processCpuNanos();

    out.println("1. Batched dot products with vmap (torch.vmap tutorial, case 1), N=64, D=5");
    Tensor x = Tensor.randomNormal(1, DType.F32, 64, 5);
    Tensor y = Tensor.randomNormal(2, DType.F32, 64, 5);
    BiFunction<Tensor, Tensor, Tensor> batchedDot = vmap(Tensor::dot);
    Tensor batched = batchedDot.apply(x, y);
    Tensor[] loop = new Tensor[64];
    for (int i = 0; i < 64; i++) {
      loop[i] = x.index(0, i).dot(y.index(0, i));
    }
    out.println("   vmap(Tensor::dot) first four: " + batched.slice(0, 0, 4));
    out.println(
        "   max abs difference to the per-pair loop: " + checked(maxAbsDiff(batched, loop), 1e-5));
    out.println();

    out.println("2. A model written for one example, lifted to a batch with vmap (case 2)");
    Tensor weights = Tensor.randomNormal(3, DType.F32, 5);
    Function<Tensor, Tensor> model = example -> example.dot(weights).relu();
    Tensor examples = Tensor.randomNormal(4, DType.F32, 8, 5);
    Tensor lifted = vmap(model).apply(examples);
    Tensor[] each = new Tensor[8];
    for (int i = 0; i < 8; i++) {
      each[i] = model.apply(examples.index(0, i));
    }
    out.println("   vmap(model) on [8,5]: " + lifted);
    out.println(
        "   max abs difference to stacking model(example): "
            + checked(maxAbsDiff(lifted, each), 1e-5));
    out.println();

    out.println("3. A full Jacobian in one call (case 3): f(x) = x ** 2, N = 5");
    Tensor x5 = Tensor.randomNormal(5, DType.F64, 5);
    Function<Tensor, Tensor> square = v -> v.pow(2);
    Vjp<Tensor, Tensor> pullback = vjp(square, x5);
    Tensor eye = Tensor.eye(5);
    Tensor[] rows = new Tensor[5];
    for (int i = 0; i < 5; i++) {
      rows[i] = pullback.pullback(eye.index(0, i));
    }
    Tensor jacobian = vmap(pullback::pullback).apply(eye);
    out.println("   vmap(vjp(f, x)::pullback).apply(eye(5)) diagonal: " + jacobian.mul(eye).sum(1));
    out.println("   2x:                                          " + x5.mul(2));
    out.println(
        "   max abs difference to one vjp per row: " + checked(maxAbsDiff(jacobian, rows), 1e-12));
    out.println(
        "   max abs difference jacrev, jacfwd: "
            + checked(jacrev(square).apply(x5).sub(jacobian).abs().max().item(), 1e-12)
            + ", "
            + checked(jacfwd(square).apply(x5).sub(jacobian).abs().max().item(), 1e-12));
    out.println();

    out.println("4. Per-sample gradients with vmap(grad(loss)) (case 4), 64 samples");
    Tensor weight = Tensor.randomNormal(6, DType.F64, 5, 3);
    Tensor samples = Tensor.randomNormal(7, DType.F64, 64, 5);
    Tensor targets = Tensor.randomNormal(8, DType.F64, 64, 3);
    BiFunction<Tensor, List<Tensor>, Tensor> loss =
        (w, sample) -> sample.get(0).matmul(w).tanh().sub(sample.get(1)).square().mean();
    BiFunction<Tensor, List<Tensor>, Tensor> perSample = vmap(grad(loss), InDims.of(null, 0));
    Tensor grads = perSample.apply(weight, List.of(samples, targets));
    Tensor[] loopGrads = new Tensor[64];
    for (int i = 0; i < 64; i++) {
      loopGrads[i] = grad(loss).apply(weight, List.of(samples.index(0, i), targets.index(0, i)));
    }
    out.println(
        "   per-sample gradients: "
            + grads.type()
            + ", first sample's norm "
            + grads.index(0, 0).square().sum().sqrt().item());
    out.println(
        "   max abs difference to the per-sample loop: "
            + checked(maxAbsDiff(grads, loopGrads), 1e-12));
    out.println();

    out.println(
        "5. Logistic regression on the breast cancer data (569 x 30), trained with a hand-derived gradient");
    BreastCancer data = BreastCancer.load();
    Tensor features = data.standardizedFeatures();
    Tensor labels = data.labels();
    LogisticRegressionByHand.Params initial =
        new LogisticRegressionByHand.Params(Tensor.zeros(DType.F64, 30), Tensor.scalar(0));
    int steps = 200;
    LogisticRegressionByHand.Params trained =
        LogisticRegressionByHand.train(features, labels, steps, 0.5);
    out.printf(
        "   loss %.4f -> %.4f after %d steps; training accuracy %.3f%n",
        LogisticRegressionByHand.loss(initial, features, labels).item(),
        LogisticRegressionByHand.loss(trained, features, labels).item(),
        steps,
        LogisticRegressionByHand.accuracy(trained, features, labels));
    Function<LogisticRegressionByHand.Params, Tensor> lossOfParams =
        p -> LogisticRegressionByHand.loss(p, features, labels);
    LogisticRegressionByHand.Params auto = grad(lossOfParams).apply(trained);
    LogisticRegressionByHand.Params byHand =
        LogisticRegressionByHand.gradient(trained, features, labels);
    out.println(
        "   grad(loss) against the hand-derived gradient, max abs difference: "
            + checked(
                auto.w().sub(byHand.w()).abs().max().maximum(auto.b().sub(byHand.b()).abs()).item(),
                1e-10));
    Tensor probabilities = features.slice(0, 0, 5).matmul(trained.w()).add(trained.b()).sigmoid();
    out.println("   P(benign) for the first 5 rows: " + probabilities);
    out.println("   their labels:                   " + labels.slice(0, 0, 5));
    out.println();

    out.printf(
        "   [sections 1 to 5: %.1f s, %.1f s of CPU]%n%n",
        (System.nanoTime() - wall) / 1e9, (processCpuNanos() - cpu) / 1e9);

    section(out, "6. The same cases compiled with jit (one thread)", () -> JitTimings.run(out));

    section(
        out,
        "7. Three-argument functions (Fn3, gradAll) and Jacobians of a record, in core",
        () -> NewTransformForms.run(out));

    SparkSession spark = ExampleSpark.start("vmap4j examples");
    try {
      section(
          out,
          "8. Per-sample gradients on an embedded Spark (local[*]), breast cancer data",
          () -> {
            try {
              SparkPerSampleGradients.run(
                  spark,
                  out,
                  Files.createTempDirectory("vmap4j-breast-cancer-gradients"),
                  chartFolder);
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          });
      section(
          out,
          "9. Black-Scholes Greeks as per-row Jacobians on Spark",
          () -> BlackScholesGreeks.run(spark, out, chartFolder, sizes.options()));
      section(
          out,
          "10. Implied volatility by Newton's method in a whileLoop, vega by implicit"
              + " differentiation, in core and in a vmapUdf on Spark",
          () -> ImpliedVolatility.run(spark, out, sizes.quotes()));
      section(
          out,
          "11. Per-sample gradients of an MLP on the digits, on Spark",
          () ->
              DigitsPerSampleGradients.run(
                  spark, out, chartFolder, sizes.digitRows(), sizes.digitSteps()));
      section(
          out,
          "12. GraNd scores of a CNN (PyTorch's weights from safetensors) on the digits, on Spark",
          () -> DigitsGrandScores.run(spark, out, chartFolder, sizes.cnnRows()));
      section(
          out,
          "13. Per-sample gradient norms, dot products and clipped sums without forming the"
              + " per-sample gradients, in core and on Spark",
          () -> PerSampleReductions.run(spark, out));
      section(
          out,
          "14. Differentially private training on Spark (DP-SGD), RDP and PLD accounting",
          () -> {
            PrivateTraining.run(spark, out, sizes.dpSteps());
            // the digits MLP at epsilon 1, 3, 8 against non-private training (small: the
            // standalone example, -Dexample=DigitsPrivateTraining, runs 150 steps)
            DigitsPrivateTraining.check(
                DigitsPrivateTraining.run(spark, out, chartFolder, 30, 0.1));
          });
    } finally {
      spark.stop();
    }

    out.println("15. GPU: " + new CudaBackend().availability().description());
    out.printf(
        "%nAll checks passed: %.1f s, %.1f s of CPU (this JVM, Maven's start not included)%n",
        (System.nanoTime() - wall) / 1e9, (processCpuNanos() - cpu) / 1e9);
  }
}
