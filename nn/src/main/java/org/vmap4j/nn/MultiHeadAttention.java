package org.vmap4j.nn;

import org.vmap4j.DType;
import org.vmap4j.Tensor;

/**
 * Multi-head self-attention with {@code nn.MultiheadAttention}'s parameters and names (packed
 * {@code in_proj_weight [3E, E]} for query, key and value, {@code out_proj}), on one example's
 * sequence {@code [L, E]} (vmap it for a batch).
 */
public record MultiHeadAttention(int embedDim, int numHeads)
    implements Layer<MultiHeadAttention.Params> {
  public MultiHeadAttention {
    if (numHeads <= 0 || embedDim % numHeads != 0) {
      throw new IllegalArgumentException(
          "MultiHeadAttention: numHeads must divide embedDim " + embedDim + ", found " + numHeads);
    }
  }

  public record Params(Tensor inProjWeight, Tensor inProjBias, Linear.Params outProj) {}

  /**
   * As PyTorch: Xavier-uniform in-projection, zero biases, out-projection as nn.Linear's weight.
   */
  @Override
  public Params init(long seed, DType dtype) {
    Linear.Params out = new Linear(embedDim, embedDim).init(Init.split(seed, 1), dtype);
    return new Params(
        Init.xavierUniform(Init.split(seed, 0), dtype, 3 * embedDim, embedDim),
        Tensor.zeros(dtype, 3 * embedDim),
        new Linear.Params(out.weight(), Tensor.zeros(dtype, embedDim)));
  }

  @Override
  public Tensor apply(Params p, Tensor x) {
    return apply(p, x, null);
  }

  /**
   * Self-attention of x {@code [L, E]}; {@code keyPaddingMask} (nullable, BOOL {@code [L]}) is true
   * at padding positions, which no query attends to, as PyTorch's {@code key_padding_mask}.
   */
  public Tensor apply(Params p, Tensor x, Tensor keyPaddingMask) {
    String fn = "MultiHeadAttention";
    Checks.floating(x, fn, "input");
    Checks.require(
        x.ndim() == 2 && x.shape()[1] == embedDim,
        fn,
        "input must be one sequence [L, "
            + embedDim
            + "] (vmap for a batch), found "
            + Checks.shape(x));
    int len = x.shape()[0];
    Tensor attend = null;
    if (keyPaddingMask != null) {
      Checks.require(
          keyPaddingMask.dtype() == DType.BOOL
              && keyPaddingMask.ndim() == 1
              && keyPaddingMask.shape()[0] == len,
          fn,
          "keyPaddingMask must be BOOL [" + len + "], found " + keyPaddingMask.type());
      attend = keyPaddingMask.astype(DType.I32).eq(0).reshape(1, 1, len);
    }
    Tensor qkv = Functional.linear(x, p.inProjWeight(), p.inProjBias()); // [L, 3E]
    int d = embedDim / numHeads;
    Tensor q = heads(qkv.slice(1, 0, embedDim), len, d);
    Tensor k = heads(qkv.slice(1, embedDim, 2 * embedDim), len, d);
    Tensor v = heads(qkv.slice(1, 2 * embedDim, 3 * embedDim), len, d);
    Tensor o = Functional.scaledDotProductAttention(q, k, v, attend); // [H, L, d]
    Tensor merged = o.permute(1, 0, 2).reshape(len, embedDim);
    return Functional.linear(merged, p.outProj().weight(), p.outProj().bias());
  }

  /** [L, E] to [H, L, d]. */
  private Tensor heads(Tensor t, int len, int d) {
    return t.reshape(len, numHeads, d).permute(1, 0, 2);
  }
}
