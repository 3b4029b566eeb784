package org.vmap4j.transforms;

import org.vmap4j.Tensor;
import org.vmap4j.core.TensorType;
import org.vmap4j.core.Trace;
import org.vmap4j.core.Tracer;

/** A value inside {@code jvp}: its primal value and its tangent (null for a zero tangent). */
final class JvpTracer extends Tracer {
  private final JvpTrace trace;
  private final Tensor primal;
  private final Tensor tangent;

  JvpTracer(JvpTrace trace, Tensor primal, Tensor tangent) {
    this.trace = trace;
    this.primal = primal;
    this.tangent = tangent;
  }

  Tensor primal() {
    return primal;
  }

  Tensor tangent() {
    return tangent;
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
    return tangent == null ? primal : this;
  }
}
