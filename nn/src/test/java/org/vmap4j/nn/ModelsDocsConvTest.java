package org.vmap4j.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.vmap4j.Func.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.vmap4j.DType;
import org.vmap4j.InDims;
import org.vmap4j.Tensor;
import org.vmap4j.nn.Models.Cnn;
import org.vmap4j.nn.Models.Example;

/** The snippet of docs/models.md's "Convolution and pooling" section, as written there. */
class ModelsDocsConvTest {
  @Test
  void perSampleGradientsOfTheCnn() {
    int b = 5;
    Cnn params =
        new Cnn(
            Tensor.randomNormal(1, DType.F64, 4, 1, 3, 3),
            Tensor.randomNormal(2, DType.F64, 4),
            Tensor.randomNormal(3, DType.F64, 8, 4, 3, 3),
            Tensor.randomNormal(4, DType.F64, 8),
            Tensor.randomNormal(5, DType.F64, 10, 32),
            Tensor.randomNormal(6, DType.F64, 10));
    Tensor images = Tensor.randomUniform(7, DType.F64, b, 1, 8, 8);
    double[] hot = new double[b * 10];
    for (int i = 0; i < b; i++) {
      hot[i * 10 + (3 * i) % 10] = 1;
    }
    Tensor oneHot = Tensor.of(hot, b, 10);

    // images [B, 1, 8, 8], oneHot [B, 10]; params holds one model
    BiFunction<Cnn, Example, Cnn> perSample = jit(vmap(grad(Models::loss), InDims.of(null, 0)));
    Cnn grads = perSample.apply(params, new Example(images, oneHot)); // every field [B, ...]

    assertThat(grads.conv1().shape()).containsExactly(b, 4, 1, 3, 3);
    assertThat(grads.fc().shape()).containsExactly(b, 10, 32);
    // example 2's slice is the gradient computed for example 2 alone
    Cnn alone =
        grad(Models::loss).apply(params, new Example(images.index(0, 2), oneHot.index(0, 2)));
    assertThat(grads.conv2().index(0, 2).allClose(alone.conv2(), 1e-12, 1e-12)).isTrue();
    assertThat(grads.bias1().index(0, 2).allClose(alone.bias1(), 1e-12, 1e-12)).isTrue();
  }

  @Test
  void poolingOptions() throws IOException {
    Tensor x = Tensor.randomNormal(1, DType.F64, 2, 3, 7, 8); // [N, C, H, W]
    Tensor dilated =
        Functional.maxPool2d(x, new int[] {3}, new int[] {1}, null, new int[] {2}, false);
    Tensor ceil = Functional.maxPool2d(x, new int[] {2}, null, null, null, true); // 7x8 -> 4x4
    Tensor exclusive =
        Functional.avgPool2d(x, new int[] {3}, new int[] {2}, new int[] {1}, false, false);
    assertThat(dilated.shape()).containsExactly(2, 3, 3, 4);
    assertThat(ceil.shape()).containsExactly(2, 3, 4, 4);
    // the corner window covers 2x2 real cells of its 3x3: their mean, not their sum over 9
    double corner = x.index(0, 0).index(0, 0).slice(0, 0, 2).slice(1, 0, 2).mean().item();
    assertThat(exclusive.index(0, 0).index(0, 0).index(0, 0).index(0, 0).item())
        .isCloseTo(corner, within(1e-12));
    String doc = Files.readString(Path.of("..", "docs", "models.md"));
    for (String line :
        new String[] {
          "Tensor dilated = maxPool2d(x, new int[] {3}, new int[] {1}, null, new int[] {2}, false);",
          "Tensor ceil = maxPool2d(x, new int[] {2}, null, null, null, true);  // 7x8 -> 4x4",
          "Tensor exclusive = avgPool2d(x, new int[] {3}, new int[] {2}, new int[] {1}, false, false);"
        }) {
      assertThat(doc).contains(line);
    }
  }

  @Test
  void theDocsShowThisModel() throws IOException {
    String doc = Files.readString(Path.of("..", "docs", "models.md"));
    for (String line :
        new String[] {
          "Tensor h = conv2d(image, p.conv1(), p.bias1(), null, \"same\", null, 1);",
          "h = maxPool2d(h.relu(), new int[] {2});",
          "h = conv2d(h, p.conv2(), p.bias2(), null, new int[] {1}, null, 1);",
          "return p.fc().matmul(h.reshape(-1)).add(p.fcBias());",
          "return e.oneHot().mul(logits(p, e.image()).logSoftmax(0)).sum().neg();",
          "BiFunction<Cnn, Example, Cnn> perSample = jit(vmap(grad(Models::loss), InDims.of(null, 0)));",
          "Cnn grads = perSample.apply(params, new Example(images, oneHot));"
        }) {
      assertThat(doc).contains(line);
    }
  }
}
