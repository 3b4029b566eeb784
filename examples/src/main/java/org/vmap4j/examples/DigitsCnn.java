package org.vmap4j.examples;

import static org.vmap4j.nn.Functional.conv2d;
import static org.vmap4j.nn.Functional.crossEntropy;
import static org.vmap4j.nn.Functional.groupNorm;
import static org.vmap4j.nn.Functional.linear;
import static org.vmap4j.nn.Functional.maxPool2d;
import static org.vmap4j.nn.Functional.relu;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import org.vmap4j.DType;
import org.vmap4j.Func;
import org.vmap4j.Tensor;
import org.vmap4j.nn.Conv2d;
import org.vmap4j.nn.GroupNorm;
import org.vmap4j.nn.Init;
import org.vmap4j.nn.Linear;
import org.vmap4j.nn.SafeTensors;
import org.vmap4j.nn.StateDict;

/**
 * A small CNN for the 8x8 digits, written for one image with {@code org.vmap4j.nn.Functional}: conv
 * 3x3 (8 channels) - GroupNorm (2 groups) - ReLU - max-pool 2, conv 3x3 (16 channels) - GroupNorm
 * (4 groups) - ReLU - max-pool 2, linear 64 to 10; 1946 parameters. Its weights were trained by
 * PyTorch ({@code examples/src/main/python/train_digits_cnn.py}, committed beside its output) and
 * are read from the safetensors file in the examples' resources onto {@link Params} by state-dict
 * name ({@code conv1.weight}, ...).
 */
final class DigitsCnn {
  private DigitsCnn() {}

  static final String WEIGHTS = "models/digits_cnn.safetensors";
  static final String REFERENCE = "models/digits_cnn_reference.csv";

  /** A weight and a bias, in PyTorch's layout for the layer that holds them. */
  record Layer(Tensor weight, Tensor bias) {}

  /** The parameters, named as PyTorch's state dict names them. */
  record Params(Layer conv1, Layer norm1, Layer conv2, Layer norm2, Layer fc) {
    int size() {
      int n = 0;
      for (Layer l : new Layer[] {conv1, norm1, conv2, norm2, fc}) {
        n += l.weight().size() + l.bias().size();
      }
      return n;
    }
  }

  /** Zeros of every parameter's shape: the template {@link StateDict#load} fills by name. */
  static Params shapes() {
    return new Params(
        layer(new int[] {8, 1, 3, 3}, 8),
        layer(new int[] {8}, 8),
        layer(new int[] {16, 8, 3, 3}, 16),
        layer(new int[] {16}, 16),
        layer(new int[] {10, 64}, 10));
  }

  private static Layer layer(int[] weight, int bias) {
    return new Layer(Tensor.zeros(DType.F64, weight), Tensor.zeros(DType.F64, bias));
  }

  /**
   * Fresh parameters from a seed, as PyTorch initializes these layers (convolutions and the linear
   * layer uniform in ±1/sqrt(fan-in), GroupNorm weight one and bias zero), for training from
   * scratch (the DP-SGD example) instead of reading PyTorch's trained weights.
   */
  static Params init(long seed) {
    Conv2d.Params conv1 = new Conv2d(1, 8, 3, 1).init(Init.split(seed, 0), DType.F64);
    Conv2d.Params conv2 = new Conv2d(8, 16, 3, 1).init(Init.split(seed, 1), DType.F64);
    Linear.Params fc = new Linear(64, 10).init(Init.split(seed, 2), DType.F64);
    GroupNorm.Params norm1 = new GroupNorm(2, 8).init(seed, DType.F64);
    GroupNorm.Params norm2 = new GroupNorm(4, 16).init(seed, DType.F64);
    return new Params(
        new Layer(conv1.weight(), conv1.bias()),
        new Layer(norm1.weight(), norm1.bias()),
        new Layer(conv2.weight(), conv2.bias()),
        new Layer(norm2.weight(), norm2.bias()),
        new Layer(fc.weight(), fc.bias()));
  }

  /** The trained weights from the resource, widened from F32 to F64. */
  static Params load() {
    try (InputStream in = DigitsCnn.class.getResourceAsStream(WEIGHTS)) {
      if (in == null) {
        throw new IllegalStateException("resource " + WEIGHTS + " is missing from the classpath");
      }
      // SafeTensors reads files; inside a jar (spark-submit) the resource is not one.
      Path file = Files.createTempFile("digits_cnn", ".safetensors");
      try {
        Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
        Map<String, Tensor> stateDict = SafeTensors.load(file);
        return StateDict.load(shapes(), stateDict);
      } finally {
        Files.deleteIfExists(file);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The 10 logits of one image {@code [1, 8, 8]}. */
  static Tensor logits(Params p, Tensor image) {
    Tensor h = conv2d(image, p.conv1().weight(), p.conv1().bias(), null, new int[] {1}, null, 1);
    h = maxPool2d(relu(norm(h, 2, p.norm1())), new int[] {2}); // [8, 4, 4]
    h = conv2d(h, p.conv2().weight(), p.conv2().bias(), null, new int[] {1}, null, 1);
    h = maxPool2d(relu(norm(h, 4, p.norm2())), new int[] {2}); // [16, 2, 2]
    return linear(h.reshape(-1), p.fc().weight(), p.fc().bias());
  }

  /** The logits {@code [N, 10]} of a batch of flat images {@code [N, 64]}, by {@code vmap}. */
  static Tensor batchLogits(Params p, Tensor pixels) {
    int n = pixels.shape()[0];
    return Func.vmap((Tensor image) -> logits(p, image)).apply(pixels.reshape(n, 1, 8, 8));
  }

  /** GroupNorm wants {@code [N, C, ...]}: one example gets a batch dimension of 1 and loses it. */
  private static Tensor norm(Tensor h, int groups, Layer affine) {
    return groupNorm(h.unsqueeze(0), groups, affine.weight(), affine.bias(), 1e-5).squeeze(0);
  }

  /** Cross-entropy of one row of a DataFrame: {@code pixels} {@code [64]}, {@code digit} 0-d. */
  static Tensor rowLoss(Params p, Map<String, Tensor> row) {
    return crossEntropy(logits(p, row.get("pixels").reshape(1, 8, 8)), row.get("digit"));
  }
}
