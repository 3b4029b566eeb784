package org.vmap4j.transforms;

import org.vmap4j.TensorType;
import org.vmap4j.interpreter.Trace;
import org.vmap4j.interpreter.Tracer;
import org.vmap4j.ir.Var;

/** A value inside staging ({@code trace}, {@code jit}): a program variable. */
final class StagedTracer extends Tracer {
  private final StagingTrace trace;
  private final Var var;

  StagedTracer(StagingTrace trace, Var var) {
    this.trace = trace;
    this.var = var;
  }

  Var var() {
    return var;
  }

  @Override
  public Trace trace() {
    return trace;
  }

  @Override
  public TensorType type() {
    return var.type();
  }
}
