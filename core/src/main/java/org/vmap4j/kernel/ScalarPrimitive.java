package org.vmap4j.kernel;

/**
 * A primitive whose kernel is one scalar operation per element (the element-wise primitives of
 * {@code prim/}): fusion composes such primitives into one kernel, and every backend computes them
 * through its table of scalar operations. The primitive keeps all its other rules (shapes, dtypes,
 * batching, derivatives) in its own file.
 */
public interface ScalarPrimitive {
  /** The operation computed per element. */
  ScalarOp scalarOp();
}
