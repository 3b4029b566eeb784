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
import org.vmap4j.kernel.KernelDescription;
import org.vmap4j.kernel.KernelPrimitive;
import org.vmap4j.kernel.View;

/**
 * A static strided slice: along each dimension d, elements {@code start[d], start[d] + stride[d],
 * ...} below {@code limit[d]}. A view on the CPU.
 */
public enum Slice implements SingleResultPrimitive, KernelPrimitive {
  SLICE;

  public static Params params(int[] start, int[] limit, int[] stride) {
    return Params.of("start", start, "limit", limit, "stride", stride);
  }

  @Override
  public TensorType inferType(TensorType[] in, Params p) {
    Binary.requireArity("slice", in, 1);
    TensorType x = in[0];
    int[] start = p.ints("start");
    int[] limit = p.ints("limit");
    int[] stride = p.ints("stride");
    if (start.length != x.ndim() || limit.length != x.ndim() || stride.length != x.ndim()) {
      throw new IllegalArgumentException("slice: " + p + " does not match the rank of " + x);
    }
    int[] shape = new int[x.ndim()];
    for (int d = 0; d < x.ndim(); d++) {
      if (start[d] < 0 || limit[d] > x.dim(d) || start[d] > limit[d] || stride[d] < 1) {
        throw new IllegalArgumentException(
            "slice: dimension "
                + d
                + " of "
                + x
                + " cannot be sliced from "
                + start[d]
                + " to "
                + limit[d]
                + " by "
                + stride[d]);
      }
      shape[d] = (limit[d] - start[d] + stride[d] - 1) / stride[d];
    }
    return x.withShape(shape);
  }

  /**
   * A copy reading the operand from element {@code start} on, {@code stride} elements apart along
   * each dimension (on the CPU, {@link #evaluate} is a view).
   */
  @Override
  public KernelDescription kernel(TensorType[] in, Params p, TensorType out) {
    int[] start = p.ints("start");
    int[] step = p.ints("stride");
    int[] contiguous = Shapes.contiguousStrides(in[0].shape());
    int[] strides = new int[contiguous.length];
    int offset = 0;
    for (int d = 0; d < contiguous.length; d++) {
      strides[d] = contiguous[d] * step[d];
      offset += start[d] * contiguous[d];
    }
    return KernelDescription.copy(out.dtype(), out.shape(), null, 0)
        .withViews(java.util.List.of(View.strided(in[0].shape(), strides, offset)));
  }

  @Override
  public CpuTensor evaluate(CpuTensor[] in, Params p, TensorType out) {
    CpuTensor x = in[0];
    int[] start = p.ints("start");
    int[] stride = p.ints("stride");
    int[] xs = x.strides();
    int offset = x.offset();
    int[] strides = new int[xs.length];
    for (int d = 0; d < xs.length; d++) {
      offset += start[d] * xs[d];
      strides[d] = xs[d] * stride[d];
    }
    return out.size() == 0 ? CpuTensor.allocate(out) : x.view(out.shape(), strides, offset);
  }

  @Override
  public Batched batch(Tensor[] args, int[] dims, Params p, int batchSize) {
    Tensor x = BatchRules.atFront(args[0], dims[0]);
    Params q =
        params(
            BatchRules.prepend(0, p.ints("start")),
            BatchRules.prepend(batchSize, p.ints("limit")),
            BatchRules.prepend(1, p.ints("stride")));
    return Batched.of(Interpreters.bind1(this, q, x), 0);
  }

  @Override
  public Tensor jvp(Tensor[] primals, Tensor[] tangents, Tensor output, Params params) {
    return Interpreters.bind1(this, params, tangents[0]);
  }

  /** The transpose of a slice is a pad with zeros around and between the taken elements. */
  @Override
  public Tensor[] vjp(Tensor[] primals, Tensor output, Tensor cotangent, Params p) {
    int[] shape = primals[0].shape();
    if (output.size() == 0) {
      return new Tensor[] {Tensor.zeros(cotangent.dtype(), shape)};
    }
    int[] start = p.ints("start");
    int[] stride = p.ints("stride");
    int[] out = output.shape();
    int[] high = new int[shape.length];
    int[] interior = new int[shape.length];
    for (int d = 0; d < shape.length; d++) {
      int last = start[d] + (out[d] - 1) * stride[d];
      high[d] = shape[d] - last - 1;
      interior[d] = stride[d] - 1;
    }
    return new Tensor[] {
      Interpreters.bind1(Pad.PAD, Pad.params(start, high, interior, 0), cotangent)
    };
  }
}
