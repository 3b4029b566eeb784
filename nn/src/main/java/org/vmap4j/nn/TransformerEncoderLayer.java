package org.vmap4j.nn;

import org.vmap4j.DType;
import org.vmap4j.Tensor;

/**
 * A transformer encoder layer as {@code nn.TransformerEncoderLayer} with the GELU activation, on
 * one example's sequence {@code [L, dModel]}: by default PyTorch's post-norm arrangement {@code x =
 * norm1(x + selfAttn(x)); x = norm2(x + ff(x))}, with {@code normFirst} its pre-norm one {@code x =
 * x + selfAttn(norm1(x)); x = x + ff(norm2(x))}, where {@code ff = linear2(gelu(linear1(.)))}. No
 * dropout (evaluation, or PyTorch's dropout = 0).
 */
public record TransformerEncoderLayer(
    int dModel, int numHeads, int dimFeedforward, double eps, boolean normFirst)
    implements Layer<TransformerEncoderLayer.Params> {
  public TransformerEncoderLayer(int dModel, int numHeads, int dimFeedforward) {
    this(dModel, numHeads, dimFeedforward, 1e-5, false);
  }

  public TransformerEncoderLayer(int dModel, int numHeads, int dimFeedforward, double eps) {
    this(dModel, numHeads, dimFeedforward, eps, false);
  }

  /** Names as PyTorch: self_attn.*, linear1.*, linear2.*, norm1.*, norm2.*. */
  public record Params(
      MultiHeadAttention.Params selfAttn,
      Linear.Params linear1,
      Linear.Params linear2,
      LayerNorm.Params norm1,
      LayerNorm.Params norm2) {}

  private MultiHeadAttention attention() {
    return new MultiHeadAttention(dModel, numHeads);
  }

  private LayerNorm norm() {
    return new LayerNorm(new int[] {dModel}, eps);
  }

  @Override
  public Params init(long seed, DType dtype) {
    return new Params(
        attention().init(Init.split(seed, 0), dtype),
        new Linear(dModel, dimFeedforward).init(Init.split(seed, 1), dtype),
        new Linear(dimFeedforward, dModel).init(Init.split(seed, 2), dtype),
        norm().init(Init.split(seed, 3), dtype),
        norm().init(Init.split(seed, 4), dtype));
  }

  @Override
  public Tensor apply(Params p, Tensor x) {
    return apply(p, x, null);
  }

  /** With a key padding mask (BOOL [L], true at padding), as PyTorch's src_key_padding_mask. */
  public Tensor apply(Params p, Tensor x, Tensor keyPaddingMask) {
    MultiHeadAttention attention = attention();
    LayerNorm norm = norm();
    if (normFirst) {
      Tensor h = x.add(attention.apply(p.selfAttn(), norm.apply(p.norm1(), x), keyPaddingMask));
      return h.add(feedForward(p, norm.apply(p.norm2(), h)));
    }
    Tensor h = norm.apply(p.norm1(), x.add(attention.apply(p.selfAttn(), x, keyPaddingMask)));
    return norm.apply(p.norm2(), h.add(feedForward(p, h)));
  }

  private static Tensor feedForward(Params p, Tensor h) {
    Tensor hidden = Functional.gelu(Functional.linear(h, p.linear1().weight(), p.linear1().bias()));
    return Functional.linear(hidden, p.linear2().weight(), p.linear2().bias());
  }
}
