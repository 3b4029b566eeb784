package org.vmap4j.transforms;

import org.vmap4j.Tensor;
import org.vmap4j.core.TensorType;
import org.vmap4j.core.Trace;
import org.vmap4j.core.Tracer;

/**
 * A value inside reverse-mode differentiation ({@code vjp}, {@code grad}): its primal value and,
 * when it depends on the differentiated inputs, its slot on the trace's tape ({@code -1} for a
 * constant).
 */
final class ReverseTracer extends Tracer {
  private final ReverseTrace trace;
  private final Tensor primal;
  private final int slot;

  ReverseTracer(ReverseTrace trace, Tensor primal, int slot) {
    this.trace = trace;
    this.primal = primal;
    this.slot = slot;
  }

  Tensor primal() {
    return primal;
  }

  int slot() {
    return slot;
  }

  @Override
  public Trace trace() {
    return trace;
  }

  @Override
  public TensorType type() {
    return primal.type();
  }

  @Override
  public Tensor fullLower() {
    return slot < 0 ? primal : this;
  }
}
