package org.vmap4j.interpreter;

import org.vmap4j.Tensor;

/**
 * What a batching rule returns: the primitive's results computed on batched values, and where each
 * result's batch dimension is ({@link BatchRules#NOT_MAPPED} when a result has none).
 */
public record Batched(Tensor[] values, int[] dims) {
  public static Batched of(Tensor value, int dim) {
    return new Batched(new Tensor[] {value}, new int[] {dim});
  }
}
