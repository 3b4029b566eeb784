package org.vmap4j.nn;

import org.vmap4j.DType;
import org.vmap4j.Tensor;

/**
 * A layer: hyperparameters (this object) and a pure function of a parameter pytree and an input.
 * The parameters are a record (or a list of records), so {@code grad} with respect to them returns
 * the same record, and {@link StateDict} maps them to PyTorch's names.
 *
 * @param <P> the parameter pytree
 */
public interface Layer<P> {
  /** Freshly initialized parameters, reproducible from {@code seed}. */
  P init(long seed, DType dtype);

  /** The layer's output for input {@code x}; no state, no mutation. */
  Tensor apply(P params, Tensor x);
}
