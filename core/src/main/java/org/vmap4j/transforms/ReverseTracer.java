package org.vmap4j.transforms;

import org.vmap4j.Tensor;

/**
 * A value inside reverse-mode differentiation ({@code vjp}, {@code grad}): its primal value and,
 * when it depends on the differentiated inputs, its slot on the trace's tape ({@code -1} for a
 * constant).
 */
final class ReverseTracer extends DifferentiatedTracer {
  private final int slot;

  ReverseTracer(ReverseTrace trace, Tensor primal, int slot) {
    super(trace, primal);
    this.slot = slot;
  }

  int slot() {
    return slot;
  }

  @Override
  boolean hasDerivative() {
    return slot >= 0;
  }
}
