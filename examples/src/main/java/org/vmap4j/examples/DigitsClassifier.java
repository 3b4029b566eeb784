package org.vmap4j.examples;

import java.util.Locale;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.LongFunction;
import org.vmap4j.DType;
import org.vmap4j.Tensor;
import org.vmap4j.Tree;
import org.vmap4j.spark.SerializableBiFunction;

/**
 * A digits model as the DP-SGD example ({@link DigitsPrivateTraining}) trains it: a seeded
 * initialisation, the loss of one DataFrame row (columns {@code pixels}, {@code digit}) for {@code
 * DpSgd}, the logits of a batch for non-private training and for accuracy, and the optimizer
 * settings and default run size that suit it. {@link #MLP} and {@link #CNN} are the two models.
 *
 * @param name what {@code --model} calls it
 * @param description what the example prints of its architecture
 * @param init fresh parameters from a seed
 * @param rowLoss the cross-entropy of one row, serializable for Spark
 * @param batchLogits the logits {@code [N, 10]} of pixels {@code [N, 64]}
 * @param chartName the SVG's file name, without extension
 */
record DigitsClassifier<P>(
    String name,
    String description,
    LongFunction<P> init,
    SerializableBiFunction<P, Map<String, Tensor>, Tensor> rowLoss,
    BiFunction<P, Tensor, Tensor> batchLogits,
    double learningRate,
    double momentum,
    int defaultSteps,
    double defaultSampleRate,
    String chartName) {

  static final DigitsClassifier<DigitsMlp.Params> MLP =
      new DigitsClassifier<>(
          "mlp",
          "MLP 64-" + DigitsMlp.HIDDEN + "-10 (tanh)",
          DigitsMlp::init,
          DigitsMlp::rowLoss,
          DigitsMlp::logits,
          0.5,
          0.9,
          150,
          0.1,
          "digits-dp-accuracy");

  /**
   * The CNN of {@link DigitsCnn}, trained from {@link DigitsCnn#init} (not PyTorch's weights), with
   * the MLP's steps and sample rate so that the two runs compare; a smaller learning rate.
   */
  static final DigitsClassifier<DigitsCnn.Params> CNN =
      new DigitsClassifier<>(
          "cnn",
          "CNN conv8-GroupNorm-ReLU-pool, conv16-GroupNorm-ReLU-pool, linear 64-10",
          DigitsCnn::init,
          DigitsCnn::rowLoss,
          DigitsCnn::batchLogits,
          0.1, // 0.5 diverges without clipping in the first steps (non-private 0.08 after 8)
          0.9,
          150,
          0.1,
          "digits-cnn-dp-accuracy");

  /** {@link #MLP} or {@link #CNN} by {@link #name}. */
  static DigitsClassifier<?> named(String name) {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "mlp" -> MLP;
      case "cnn" -> CNN;
      default ->
          throw new IllegalArgumentException(
              "--model " + name + ": unknown model; use --model mlp or --model cnn");
    };
  }

  int parameterCount(P params) {
    int n = 0;
    for (Tensor leaf : Tree.leaves(params)) {
      n += leaf.size();
    }
    return n;
  }

  /** Each row's predicted digit. */
  int[] predict(P params, Tensor pixels) {
    return batchLogits.apply(params, pixels).argmax(1).astype(DType.I32).toIntArray();
  }

  /** Whether every parameter is a finite number (no NaN or infinity from a diverged run). */
  boolean allFinite(P params) {
    for (Tensor leaf : Tree.leaves(params)) {
      for (double v : leaf.toDoubleArray()) {
        if (!Double.isFinite(v)) {
          return false;
        }
      }
    }
    return true;
  }
}
