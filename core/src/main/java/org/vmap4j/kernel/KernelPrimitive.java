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

  /**
   * Whether fused element-wise kernels that consume this primitive's result read its one operand
   * through the view of its {@link #kernel} instead, so that the result is never written (fusion
   * absorbs the primitive into its consumers). Only a primitive whose kernel {@link
   * KernelDescription#isCopy is a copy} through one view, and whose CPU evaluation is a view that
   * copies nothing, may say so. Today that is {@code broadcast_in_dim}: a transpose, a slice or a
   * reshape could be absorbed the same way, but fusing them would change the kernels fusion builds
   * (docs/design.md, "Not yet built").
   */
  default boolean fusesAsView() {
    return false;
  }
}
