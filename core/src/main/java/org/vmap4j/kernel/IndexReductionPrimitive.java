package org.vmap4j.kernel;

import org.vmap4j.TensorType;
import org.vmap4j.interpreter.Params;

/**
 * A primitive that states its computation as one {@link IndexReduction} (argmax): every backend
 * runs it by rendering that description, the CPU's eager {@code evaluate} included, as {@link
 * KernelPrimitive} does for kernels whose result is a value.
 */
public interface IndexReductionPrimitive {
  /** The index reduction computing the primitive on operands of {@code in} with {@code params}. */
  IndexReduction kernel(TensorType[] in, Params params, TensorType out);
}
