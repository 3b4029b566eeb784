package org.vmap4j.kernel;

import org.vmap4j.TensorType;
import org.vmap4j.interpreter.Params;

/**
 * A primitive that states its computation as one {@link KernelDescription} (views over its
 * operands, maybe index loads, scalar steps): every backend runs it by rendering that description,
 * the CPU's eager {@code evaluate} included, and placement asks each renderer whether it can (a
 * reason or null). The primitive keeps its other rules (shapes, batching, derivatives) in its own
 * file.
 */
public interface KernelPrimitive {
  /**
   * The kernel computing the primitive on operands of {@code in} with {@code params}, whose result
   * is {@code out} (a row-major array of the kernel's output shape).
   */
  KernelDescription kernel(TensorType[] in, Params params, TensorType out);
}
