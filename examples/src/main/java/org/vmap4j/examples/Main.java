package org.vmap4j.examples;

import java.io.PrintStream;
import org.vmap4j.DType;
import org.vmap4j.Tensor;
import org.vmap4j.gpu.CudaAvailability;

/**
 * The README's main command runs this program. It shows what vmap4j computes today, with real
 * numbers: eager tensors on the CPU, the torch.vmap tutorial's first case done by hand (batched dot
 * products), a model written for one example applied to a batch, and logistic regression on the
 * breast cancer data with a hand-derived gradient. The transforms (vmap, grad, jacrev) and the
 * Spark job replace the hand-written parts as they land.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    run(System.out);
  }

  static void run(PrintStream out) {
    out.println("vmap4j examples: eager tensors on the CPU");
    out.println();

    out.println("1. Batched dot products (torch.vmap tutorial, case 1), N=64 pairs of D=5 vectors");
    Tensor x = Tensor.randomNormal(1, DType.F32, 64, 5);
    Tensor y = Tensor.randomNormal(2, DType.F32, 64, 5);
    Tensor batched = x.mul(y).sum(1);
    double maxDiff = 0;
    for (int i = 0; i < 64; i++) {
      double loop = x.index(0, i).dot(y.index(0, i)).item();
      maxDiff = Math.max(maxDiff, Math.abs(loop - batched.toDoubleArray()[i]));
    }
    out.println("   first four: " + batched.slice(0, 0, 4));
    out.println("   largest difference to a per-example loop of dot(): " + maxDiff);
    out.println();

    out.println("2. A model written for one example, applied to a batch with matmul");
    Tensor weights = Tensor.randomNormal(3, DType.F32, 5, 3);
    Tensor examples = Tensor.randomNormal(4, DType.F32, 8, 5);
    Tensor oneExample = examples.index(0, 0).matmul(weights).relu();
    Tensor wholeBatch = examples.matmul(weights).relu();
    out.println("   example 0 alone: " + oneExample);
    out.println("   row 0 of batch:  " + wholeBatch.index(0, 0));
    out.println();

    out.println("3. Logistic regression on the breast cancer data (569 x 30), gradient by hand");
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
    Tensor probabilities = features.slice(0, 0, 5).matmul(trained.w()).add(trained.b()).sigmoid();
    out.println("   P(benign) for the first 5 rows: " + probabilities);
    out.println("   their labels:                   " + labels.slice(0, 0, 5));
    out.println();

    out.println("4. GPU: " + CudaAvailability.probe().description());
  }
}
