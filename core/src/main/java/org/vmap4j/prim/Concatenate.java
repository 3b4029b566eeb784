package org.vmap4j.prim;

import org.vmap4j.Tensor;
import org.vmap4j.TensorType;
import org.vmap4j.cpu.CpuTensor;
import org.vmap4j.interpreter.BatchRules;
import org.vmap4j.interpreter.Batched;
import org.vmap4j.interpreter.Interpreters;
import org.vmap4j.interpreter.Params;
import org.vmap4j.interpreter.Shapes;
import org.vmap4j.interpreter.SingleResultPrimitive;
import org.vmap4j.interpreter.Tangents;

/** Joins operands of one dtype along {@code axis}; all other dimensions must agree. */
public enum Concatenate implements SingleResultPrimitive {
  CONCATENATE;

  public static Params params(int axis) {
    return Params.of("axis", axis);
  }

  @Override
  public TensorType inferType(TensorType[] in, Params p) {
    if (in.length == 0) {
      throw new IllegalArgumentException("concatenate needs at least one operand");
    }
    int axis = p.integer("axis");
    TensorType first = in[0];
    if (axis < 0 || axis >= first.ndim()) {
      throw new IllegalArgumentException(
          "concatenate: axis " + axis + " is out of range for " + first);
    }
    int[] shape = first.shape();
    shape[axis] = 0;
    for (int i = 0; i < in.length; i++) {
      TensorType t = in[i];
      boolean ok = t.dtype() == first.dtype() && t.ndim() == first.ndim();
      for (int d = 0; ok && d < t.ndim(); d++) {
        ok = d == axis || t.dim(d) == first.dim(d);
      }
      if (!ok) {
        throw new IllegalArgumentException(
            "concatenate along axis "
                + axis
                + ": operand "
                + i
                + " "
                + t
                + " does not match operand 0 "
                + first);
      }
      shape[axis] += t.dim(axis);
    }
    Shapes.size(shape);
    return first.withShape(shape);
  }

  @Override
  public CpuTensor evaluate(CpuTensor[] in, Params p, TensorType out) {
    int axis = p.integer("axis");
    CpuTensor result = CpuTensor.allocate(out);
    int[] strides = result.strides();
    int offset = 0;
    for (CpuTensor t : in) {
      if (t.size() > 0) {
        t.copyInto(result, offset, strides);
      }
      offset += t.shape()[axis] * strides[axis];
    }
    return result;
  }

  @Override
  public Batched batch(Tensor[] args, int[] dims, Params p, int batchSize) {
    Tensor[] xs = BatchRules.allAtFront(args, dims, batchSize);
    return Batched.of(Interpreters.bind1(this, params(p.integer("axis") + 1), xs), 0);
  }

  @Override
  public Tensor jvp(Tensor[] primals, Tensor[] tangents, Tensor output, Params params) {
    Tensor[] ts = new Tensor[primals.length];
    for (int i = 0; i < ts.length; i++) {
      ts[i] = Tangents.orZeros(tangents[i], primals[i]);
    }
    return Interpreters.bind1(this, params, ts);
  }

  @Override
  public Tensor[] vjp(Tensor[] primals, Tensor output, Tensor cotangent, Params p) {
    int axis = p.integer("axis");
    Tensor[] out = new Tensor[primals.length];
    int start = 0;
    for (int i = 0; i < primals.length; i++) {
      int n = primals[i].shape()[axis];
      out[i] = cotangent.slice(axis, start, start + n);
      start += n;
    }
    return out;
  }
}
