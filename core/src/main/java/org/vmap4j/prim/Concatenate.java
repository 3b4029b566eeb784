package org.vmap4j.prim;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.vmap4j.Tensor;
import org.vmap4j.TensorType;
import org.vmap4j.cpu.CpuTensor;
import org.vmap4j.cpu.PreparedKernels;
import org.vmap4j.interpreter.BatchRules;
import org.vmap4j.interpreter.Batched;
import org.vmap4j.interpreter.Interpreters;
import org.vmap4j.interpreter.Params;
import org.vmap4j.interpreter.Shapes;
import org.vmap4j.interpreter.SingleResultPrimitive;
import org.vmap4j.interpreter.Tangents;
import org.vmap4j.kernel.KernelDescription;
import org.vmap4j.kernel.KernelPrimitive;
import org.vmap4j.kernel.Mask;
import org.vmap4j.kernel.View;

/** Joins operands of one dtype along {@code axis}; all other dimensions must agree. */
public enum Concatenate implements SingleResultPrimitive, KernelPrimitive {
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
    return PreparedKernels.run(this, in, p, out);
  }

  /**
   * One point per output element; operand j is read, row-major, where the axis coordinate lies in
   * its range {@code [start_j, start_j + n_j)}, and outside that range the view falls through to
   * operand j + 1: a chain of masked views that tiles the output.
   */
  @Override
  public KernelDescription kernel(TensorType[] in, Params p, TensorType out) {
    int axis = p.integer("axis");
    int rank = out.ndim();
    int[] step = new int[rank];
    java.util.Arrays.fill(step, 1);
    List<View> views = new ArrayList<>(in.length);
    int start = 0;
    for (int j = 0; j < in.length; j++) {
      int[] xs = in[j].shape();
      int[] low = new int[rank];
      low[axis] = start;
      Mask range =
          j + 1 < in.length
              ? Mask.orElse(low, step, xs, j + 1)
              : Mask.filled(low, step, xs, 0); // the chain tiles the output: never read
      views.add(View.masked(xs, Shapes.contiguousStrides(xs), 0, range));
      start += xs[axis];
    }
    return new KernelDescription(
        List.of(),
        "x0",
        out.dtype(),
        Collections.nCopies(in.length, out.dtype()),
        out.shape(),
        null,
        0,
        views);
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
