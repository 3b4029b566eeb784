package org.vmap4j.kernel;

import org.vmap4j.interpreter.Params;

/**
 * A primitive that combines its one operand over some of its axes by a {@link Monoid}, removing
 * them (reduce_sum, reduce_max, reduce_min). Fusion finishes an element-wise kernel with such a
 * reduction when the axes are the operand's trailing ones. The axes are stated here, not read from
 * the kernel's view: a view cannot tell which of several size-1 dimensions is reduced.
 */
public interface ReductionPrimitive extends KernelPrimitive {
  /** How partial results combine (one definition for every backend's kernels). */
  Monoid monoid();

  /** The operand's reduced axes, sorted and distinct (checked by the type rule). */
  int[] reducedAxes(Params params);
}
