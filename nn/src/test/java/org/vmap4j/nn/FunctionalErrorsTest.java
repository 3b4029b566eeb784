package org.vmap4j.nn;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.vmap4j.DType;
import org.vmap4j.Tensor;

/**
 * Bad arguments: each error names the function, the argument, and the expected and found shapes.
 */
class FunctionalErrorsTest {
  static Tensor f64(int... shape) {
    return Tensor.zeros(DType.F64, shape);
  }

  static Tensor i64(int... shape) {
    return Tensor.zeros(DType.I64, shape);
  }

  @Test
  void linear() {
    assertThatThrownBy(() -> Functional.linear(f64(2, 3), f64(4, 5), null))
        .hasMessageContaining("linear: input's last dimension must be in_features = 5")
        .hasMessageContaining("[4, 5]")
        .hasMessageContaining("found input of shape [2, 3]");
    assertThatThrownBy(() -> Functional.linear(f64(3), f64(4, 3), f64(3)))
        .hasMessageContaining("linear: bias must have shape [4], found [3]");
    assertThatThrownBy(() -> Functional.linear(f64(3), f64(3), null))
        .hasMessageContaining(
            "linear: weight must be [out_features, in_features], found shape [3]");
  }

  @Test
  void losses() {
    assertThatThrownBy(() -> Functional.crossEntropy(f64(4, 3), i64(3)))
        .hasMessageContaining(
            "crossEntropy: target must hold one class index per example, shape [4]")
        .hasMessageContaining("found [3]");
    assertThatThrownBy(() -> Functional.crossEntropy(f64(4, 3), i64(4), Reduction.MEAN, 1.5))
        .hasMessageContaining("labelSmoothing must be in [0, 1], found 1.5");
    assertThatThrownBy(() -> Functional.crossEntropy(f64(4, 3), f64(4, 2)))
        .hasMessageContaining("target (class probabilities) must have shape [4, 3], found [4, 2]");
    assertThatThrownBy(() -> Functional.nllLoss(i64(4, 3), i64(4)))
        .hasMessageContaining("nllLoss: input must be floating");
    assertThatThrownBy(() -> Functional.mseLoss(f64(3), f64(1, 3)))
        .hasMessageContaining(
            "mseLoss: target (the input's shape) must have shape [3], found [1, 3]");
    assertThatThrownBy(() -> Functional.binaryCrossEntropyWithLogits(f64(3), f64(2)))
        .hasMessageContaining("binaryCrossEntropyWithLogits: target");
    assertThatThrownBy(() -> Reduction.of("avg")).hasMessageContaining("\"avg\"");
  }

  @Test
  void normalization() {
    assertThatThrownBy(() -> Functional.layerNorm(f64(2, 5), new int[] {4}, null, null, 1e-5))
        .hasMessageContaining("layerNorm: input's last dimensions must equal normalizedShape [4]")
        .hasMessageContaining("found input of shape [2, 5]");
    assertThatThrownBy(() -> Functional.layerNorm(f64(2, 5), new int[] {5}, f64(4), null, 1e-5))
        .hasMessageContaining("layerNorm: weight must have shape [5], found [4]");
    assertThatThrownBy(() -> Functional.groupNorm(f64(1, 6, 2), 4, null, null, 1e-5))
        .hasMessageContaining(
            "groupNorm: numGroups must divide the 6 channels of input [1, 6, 2], found 4");
    assertThatThrownBy(() -> Functional.groupNorm(f64(6), 2, null, null, 1e-5))
        .hasMessageContaining("groupNorm: input must be [N, C, ...]")
        .hasMessageContaining("unsqueeze(0)");
    assertThatThrownBy(() -> Functional.batchNorm(f64(2, 3), f64(3), f64(2), null, null, 1e-5))
        .hasMessageContaining("batchNorm: runningVar must have shape [3], found [2]");
  }

  @Test
  void embeddingAndAttention() {
    assertThatThrownBy(() -> Functional.embedding(f64(3), f64(5, 2)))
        .hasMessageContaining("embedding: input (indices) must hold integer indices")
        .hasMessageContaining("astype(DType.I64)");
    assertThatThrownBy(
            () -> Functional.scaledDotProductAttention(f64(2, 4), f64(3, 5), f64(3, 2), null))
        .hasMessageContaining("key's last dimension must equal query's (4)");
    assertThatThrownBy(
            () -> Functional.scaledDotProductAttention(f64(2, 4), f64(3, 4), f64(2, 2), null))
        .hasMessageContaining(
            "value must have as many rows as key (S), found key [3, 4] and value [2, 2]");
    assertThatThrownBy(
            () -> Functional.scaledDotProductAttention(f64(2, 4), f64(3, 4), f64(3, 2), f64(2, 3)))
        .hasMessageContaining("mask must be BOOL (true = attend)");
    Tensor badMask = Tensor.zeros(DType.F64, 2, 2).gt(0);
    assertThatThrownBy(
            () -> Functional.scaledDotProductAttention(f64(2, 4), f64(3, 4), f64(3, 2), badMask))
        .hasMessageContaining(
            "mask of shape [2, 2] does not broadcast to the scores' shape [..., L, S] = [2, 3]");
    MultiHeadAttention mha = new MultiHeadAttention(4, 2);
    assertThatThrownBy(() -> mha.apply(mha.init(0, DType.F64), f64(3, 5)))
        .hasMessageContaining("input must be one sequence [L, 4] (vmap for a batch), found [3, 5]");
    assertThatThrownBy(() -> new MultiHeadAttention(5, 2))
        .hasMessageContaining("numHeads must divide embedDim 5");
  }
}
