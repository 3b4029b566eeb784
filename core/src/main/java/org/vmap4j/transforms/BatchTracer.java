package org.vmap4j.transforms;

import org.vmap4j.Tensor;
import org.vmap4j.TensorType;
import org.vmap4j.interpreter.BatchRules;
import org.vmap4j.interpreter.Shapes;
import org.vmap4j.interpreter.Trace;
import org.vmap4j.interpreter.Tracer;

/**
 * A value inside {@code vmap}: the whole batch of per-example values as one lower-level tensor,
 * with the position of its batch dimension ({@link BatchRules#NOT_MAPPED} for a value that is the
 * same for every example). Users see the per-example type: the batch dimension removed.
 */
final class BatchTracer extends Tracer {
  private final BatchTrace trace;
  private final Tensor value;
  private final int batchDim;
  private final TensorType type;

  BatchTracer(BatchTrace trace, Tensor value, int batchDim) {
    this.trace = trace;
    this.value = value;
    this.batchDim = batchDim;
    TensorType t = value.type();
    this.type =
        batchDim == BatchRules.NOT_MAPPED
            ? t
            : t.withShape(
                Shapes.select(t.shape(), Shapes.complement(t.ndim(), new int[] {batchDim})));
  }

  Tensor value() {
    return value;
  }

  int batchDim() {
    return batchDim;
  }

  @Override
  public Trace trace() {
    return trace;
  }

  @Override
  public TensorType type() {
    return type;
  }

  @Override
  public Tensor fullLower() {
    return batchDim == BatchRules.NOT_MAPPED ? value : this;
  }
}
