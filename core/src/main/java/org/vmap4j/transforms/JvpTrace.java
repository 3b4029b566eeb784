package org.vmap4j.transforms;

import org.vmap4j.Tensor;
import org.vmap4j.interpreter.Interpreters;
import org.vmap4j.interpreter.MainTrace;
import org.vmap4j.interpreter.Params;
import org.vmap4j.interpreter.Primitive;
import org.vmap4j.interpreter.SubProgramPrimitive;
import org.vmap4j.interpreter.Tangents;
import org.vmap4j.interpreter.Trace;
import org.vmap4j.interpreter.Tracer;

/**
 * Forward-mode differentiation: each primitive computes its primal results one level down and its
 * tangents with its JVP rule, which is written with tensor operations and so is itself
 * differentiable and batchable.
 */
final class JvpTrace extends Trace {
  JvpTrace(MainTrace main) {
    super(main);
  }

  @Override
  public Tracer lift(Tensor value) {
    return new JvpTracer(this, value, null);
  }

  JvpTracer withTangent(Tensor primal, Tensor tangent) {
    return new JvpTracer(this, primal, tangent);
  }

  @Override
  public Tensor[] process(Primitive primitive, Tracer[] inputs, Params params) {
    Tensor[] primals = new Tensor[inputs.length];
    Tensor[] tangents = new Tensor[inputs.length];
    boolean any = false;
    for (int i = 0; i < inputs.length; i++) {
      JvpTracer t = (JvpTracer) inputs[i];
      primals[i] = t.primal();
      tangents[i] = Tangents.differentiable(t.primal().dtype()) ? t.tangent() : null;
      any |= tangents[i] != null;
    }
    Tensor[] outputs;
    Tensor[] outTangents;
    if (any && primitive instanceof SubProgramPrimitive loop) {
      // A loop's tangents are carried through the same loop as its primal values: one pass.
      Tensor[][] joint = loop.jvpWithOutputs(primals, tangents, params);
      outputs = joint[0];
      outTangents = joint[1];
    } else {
      outputs = Interpreters.bind(primitive, params, primals);
      outTangents =
          any ? primitive.jvp(primals, tangents, outputs, params) : new Tensor[outputs.length];
    }
    Tensor[] out = new Tensor[outputs.length];
    for (int i = 0; i < out.length; i++) {
      Tensor tangent = Tangents.differentiable(outputs[i].dtype()) ? outTangents[i] : null;
      out[i] = new JvpTracer(this, outputs[i], tangent);
    }
    return out;
  }
}
