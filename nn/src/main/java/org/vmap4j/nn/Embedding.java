package org.vmap4j.nn;

import org.vmap4j.DType;
import org.vmap4j.Tensor;

/** A table of {@code numEmbeddings} rows of {@code embeddingDim}, indexed by integer tensors. */
public record Embedding(int numEmbeddings, int embeddingDim) implements Layer<Embedding.Params> {
  public record Params(Tensor weight) {}

  /** N(0, 1), as PyTorch. */
  @Override
  public Params init(long seed, DType dtype) {
    return new Params(Init.normal(Init.split(seed, 0), dtype, 1, numEmbeddings, embeddingDim));
  }

  @Override
  public Tensor apply(Params p, Tensor indices) {
    return Functional.embedding(indices, p.weight());
  }
}
