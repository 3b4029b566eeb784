package org.vmap4j.nn;

import org.vmap4j.Tensor;

/** The dense maps of PyTorch's layouts: {@code linear} (weight [out, in]) and {@code embedding}. */
final class Dense {
  private Dense() {}

  /** {@code input @ weight^T + bias} over the last dimension of input. */
  static Tensor linear(Tensor input, Tensor weight, Tensor bias) {
    String fn = "linear";
    Checks.floating(input, fn, "input");
    Checks.floating(weight, fn, "weight");
    Checks.rankIn(weight, 2, 2, fn, "weight", "[out_features, in_features]");
    Checks.rankIn(input, 1, Integer.MAX_VALUE, fn, "input", "[..., in_features]");
    int in = weight.shape()[1];
    int last = input.shape()[input.ndim() - 1];
    Checks.require(
        last == in,
        fn,
        "input's last dimension must be in_features = "
            + in
            + " (weight "
            + Checks.shape(weight)
            + " is [out, in]), found input of shape "
            + Checks.shape(input));
    Checks.shapeIs(bias, new int[] {weight.shape()[0]}, fn, "bias");
    Tensor y = input.matmul(weight.transpose());
    return bias == null ? y : y.add(bias);
  }

  /**
   * Rows of weight ([num_embeddings, dim]) at integer indices of any shape: shape indices ++ [dim].
   */
  static Tensor embedding(Tensor indices, Tensor weight) {
    String fn = "embedding";
    Checks.integer(indices, fn, "input (indices)");
    Checks.floating(weight, fn, "weight");
    Checks.rankIn(weight, 2, 2, fn, "weight", "[num_embeddings, embedding_dim]");
    return weight.index(0, indices);
  }
}
