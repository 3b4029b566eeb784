package org.vmap4j.transforms;

import org.vmap4j.Tensor;
import org.vmap4j.interpreter.Interpreters;
import org.vmap4j.interpreter.MainTrace;
import org.vmap4j.interpreter.Params;
import org.vmap4j.interpreter.Primitive;
import org.vmap4j.interpreter.Tangents;
import org.vmap4j.interpreter.Trace;
import org.vmap4j.interpreter.Tracer;

/**
 * Reverse-mode differentiation: each primitive is computed one level down and, when an operand
 * depends on the differentiated inputs, recorded on the {@link Tape} for the backward pass.
 */
final class ReverseTrace extends Trace {
  private final Tape tape;

  ReverseTrace(MainTrace main, Tape tape) {
    super(main);
    this.tape = tape;
  }

  Tape tape() {
    return tape;
  }

  @Override
  public Tracer lift(Tensor value) {
    return new ReverseTracer(this, value, -1);
  }

  /** A differentiated input, or a value whose cotangent a custom rule supplies. */
  ReverseTracer active(Tensor primal) {
    return new ReverseTracer(this, primal, tape.newSlot());
  }

  @Override
  public Tensor[] process(Primitive primitive, Tracer[] inputs, Params params) {
    Tensor[] primals = new Tensor[inputs.length];
    int[] inSlots = new int[inputs.length];
    boolean active = false;
    for (int i = 0; i < inputs.length; i++) {
      ReverseTracer t = (ReverseTracer) inputs[i];
      primals[i] = t.primal();
      inSlots[i] = Tangents.differentiable(t.primal().dtype()) ? t.slot() : -1;
      active |= inSlots[i] >= 0;
    }
    Tensor[] outputs = Interpreters.bind(primitive, params, primals);
    Tensor[] out = new Tensor[outputs.length];
    int[] outSlots = new int[outputs.length];
    for (int i = 0; i < outputs.length; i++) {
      outSlots[i] = active && Tangents.differentiable(outputs[i].dtype()) ? tape.newSlot() : -1;
      out[i] = new ReverseTracer(this, outputs[i], outSlots[i]);
    }
    if (active) {
      tape.recordPrimitive(primitive, params, primals, outputs, inSlots, outSlots);
    }
    return out;
  }
}
