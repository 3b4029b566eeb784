package org.vmap4j.transforms;

import org.vmap4j.Tensor;

/** A value inside {@code jvp}: its primal value and its tangent (null for a zero tangent). */
final class JvpTracer extends DifferentiatedTracer {
  private final Tensor tangent;

  JvpTracer(JvpTrace trace, Tensor primal, Tensor tangent) {
    super(trace, primal);
    this.tangent = tangent;
  }

  Tensor tangent() {
    return tangent;
  }

  @Override
  boolean hasDerivative() {
    return tangent != null;
  }
}
