package org.vmap4j.kernel;

import org.vmap4j.TensorType;
import org.vmap4j.interpreter.Params;

/**
 * A primitive that states its computation as one {@link Scatter} (scatter_add): every backend runs
 * it by rendering that description, the CPU's eager {@code evaluate} included.
 */
public interface ScatterPrimitive {
  /** The scatter computing the primitive on operands of {@code in} with {@code params}. */
  Scatter kernel(TensorType[] in, Params params, TensorType out);
}
