package org.vmap4j.nn;

import org.vmap4j.Tensor;

/**
 * The conformance model, written for one example: embedding, a post-norm transformer encoder layer
 * with a key padding mask, mean-pooling over the positions that are not padding, a linear
 * classifier. Its parameter names are those of the PyTorch module in generate_fixtures.py.
 */
record TextClassifier(
    Embedding.Params embed, TransformerEncoderLayer.Params encoder, Linear.Params classifier) {
  static final TransformerEncoderLayer ENCODER = new TransformerEncoderLayer(8, 2, 16);

  /** One example: token ids [L], padding mask [L] (true at padding), class label []. */
  record Example(Tensor tokens, Tensor pad, Tensor label) {}

  static Tensor logits(TextClassifier p, Tensor tokens, Tensor pad) {
    return logitsOfEmbedded(p, Functional.embedding(tokens, p.embed().weight()), pad);
  }

  static Tensor logitsOfEmbedded(TextClassifier p, Tensor embedded, Tensor pad) {
    Tensor h = ENCODER.apply(p.encoder(), embedded, pad); // [L, D]
    Tensor keep = Tensor.where(pad, 0.0, Tensor.ones(h.dtype(), pad.shape())).unsqueeze(1);
    Tensor pooled = h.mul(keep).sum(0).div(keep.sum());
    return Functional.linear(pooled, p.classifier().weight(), p.classifier().bias());
  }

  static Tensor loss(TextClassifier p, Example e) {
    return Functional.crossEntropy(logits(p, e.tokens(), e.pad()), e.label());
  }
}
