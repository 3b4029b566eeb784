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
    requireSequence(x, "input");
    Tensor qkv = Functional.linear(x, p.inProjWeight(), p.inProjBias()); // [L, 3E]: one product
    return attend(
        p,
        qkv.slice(1, 0, embedDim),
        qkv.slice(1, embedDim, 2 * embedDim),
        qkv.slice(1, 2 * embedDim, 3 * embedDim),
        keyPaddingMask);
  }

  /**
   * Attention of a query sequence {@code [L, E]} to a key and value sequence {@code [S, E]} (e.g. a
   * decoder attending to an encoder), as PyTorch's {@code forward(query, key, value,
   * key_padding_mask)}; {@code keyPaddingMask} (nullable, BOOL {@code [S]}) is true at padding.
   */
  public Tensor apply(Params p, Tensor query, Tensor key, Tensor value, Tensor keyPaddingMask) {
    requireSequence(query, "query");
    requireSequence(key, "key");
    requireSequence(value, "value");
    Checks.require(
        key.shape()[0] == value.shape()[0],
        "MultiHeadAttention",
        "key and value must have the same length, found key "
            + Checks.shape(key)
            + " and value "
            + Checks.shape(value));
    Tensor w = p.inProjWeight();
    Tensor b = p.inProjBias();
    return attend(
        p,
        Functional.linear(query, w.slice(0, 0, embedDim), b.slice(0, 0, embedDim)),
        Functional.linear(
            key, w.slice(0, embedDim, 2 * embedDim), b.slice(0, embedDim, 2 * embedDim)),
        Functional.linear(
            value, w.slice(0, 2 * embedDim, 3 * embedDim), b.slice(0, 2 * embedDim, 3 * embedDim)),
        keyPaddingMask);
  }

  /** Projected q [L, E], k and v [S, E]: split into heads, attend, merge, project out. */
  private Tensor attend(Params p, Tensor q, Tensor k, Tensor v, Tensor keyPaddingMask) {
    int len = q.shape()[0];
    int keys = k.shape()[0];
    Tensor attend = null;
    if (keyPaddingMask != null) {
      Checks.require(
          keyPaddingMask.dtype() == DType.BOOL
              && keyPaddingMask.ndim() == 1
              && keyPaddingMask.shape()[0] == keys,
          "MultiHeadAttention",
          "keyPaddingMask must be BOOL ["
              + keys
              + "] (one per key), found "
              + keyPaddingMask.type());
      attend = keyPaddingMask.astype(DType.I32).eq(0).reshape(1, 1, keys);
    }
    int d = embedDim / numHeads;
    Tensor o =
        Functional.scaledDotProductAttention(
            heads(q, len, d), heads(k, keys, d), heads(v, keys, d), attend); // [H, L, d]
    Tensor merged = o.permute(1, 0, 2).reshape(len, embedDim);
    return Functional.linear(merged, p.outProj().weight(), p.outProj().bias());
  }

  private void requireSequence(Tensor x, String argument) {
    String fn = "MultiHeadAttention";
    Checks.floating(x, fn, argument);
    Checks.require(
        x.ndim() == 2 && x.shape()[1] == embedDim,
        fn,
        argument
            + " must be one sequence [L, "
            + embedDim
            + "] (vmap for a batch), found "
            + Checks.shape(x));
  }

  /** [L, E] to [H, L, d]. */
  private Tensor heads(Tensor t, int len, int d) {
    return t.reshape(len, numHeads, d).permute(1, 0, 2);
  }
}
