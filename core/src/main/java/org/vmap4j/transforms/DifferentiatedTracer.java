package org.vmap4j.transforms;

import org.vmap4j.Tensor;
import org.vmap4j.TensorType;
import org.vmap4j.interpreter.Trace;
import org.vmap4j.interpreter.Tracer;

/**
 * A value inside a differentiation trace (forward or reverse): its primal value, and whatever the
 * mode keeps about its derivative. A value whose derivative is known to be zero lowers to its
 * primal, so that code outside the trace sees a plain tensor.
 */
abstract class DifferentiatedTracer extends Tracer {
  private final Trace trace;
  private final Tensor primal;

  DifferentiatedTracer(Trace trace, Tensor primal) {
    this.trace = trace;
    this.primal = primal;
  }

  final Tensor primal() {
    return primal;
  }

  /** Whether the value depends on the differentiated inputs (its derivative may be non-zero). */
  abstract boolean hasDerivative();

  @Override
  public final Trace trace() {
    return trace;
  }

  @Override
  public final TensorType type() {
    return primal.type();
  }

  @Override
  public final Tensor fullLower() {
    return hasDerivative() ? this : primal;
  }
}
