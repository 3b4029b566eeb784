package org.vmap4j.prim;

import org.vmap4j.DType;
import org.vmap4j.Tensor;
import org.vmap4j.TensorType;
import org.vmap4j.cpu.CpuTensor;
import org.vmap4j.cpu.ElementwiseKernels;
import org.vmap4j.cpu.ElementwiseLoop;
import org.vmap4j.interpreter.BatchRules;
import org.vmap4j.interpreter.Batched;
import org.vmap4j.interpreter.Interpreters;
import org.vmap4j.interpreter.Params;
import org.vmap4j.interpreter.SingleResultPrimitive;
import org.vmap4j.interpreter.Tangents;

/**
 * {@code scatter_add(operand, indices, updates)}: a copy of {@code operand} with each slice of
 * {@code updates} added at the position its index names, with {@link Gather}'s layout (updates have
 * the shape gather would produce); repeated indices accumulate. The transpose of gather.
 */
public enum ScatterAdd implements SingleResultPrimitive {
  SCATTER_ADD;

  @Override
  public TensorType inferType(TensorType[] in, Params p) {
    Binary.requireArity("scatter_add", in, 3);
    Elementwise.requireNumeric("scatter_add", in[0].dtype());
    TensorType expected = Gather.IndexedLayout.of("scatter_add", in[0], in[1], p).gatheredType();
    if (!expected.equals(in[2])) {
      throw new IllegalArgumentException(
          "scatter_add: updates are "
              + in[2]
              + " but operand "
              + in[0]
              + " indexed by "
              + in[1]
              + " needs "
              + expected);
    }
    return in[0];
  }

  @Override
  public CpuTensor evaluate(CpuTensor[] in, Params p, TensorType out) {
    Gather.IndexedLayout l = Gather.IndexedLayout.of("scatter_add", in[0].type(), in[1].type(), p);
    long[] idx = Gather.IndexedLayout.indices("scatter_add", in[1], l.n());
    CpuTensor result = CpuTensor.allocate(out);
    in[0].copyInto(result, 0, result.strides());
    CpuTensor updates = in[2].contiguous();
    DType t = out.dtype();
    ElementwiseLoop add =
        ElementwiseKernels.loop(Binary.ADD.renderJava(t, "x0", "x1"), new DType[] {t, t}, t);
    Object[] operands = {result.data(), updates.data()};
    int[] offsets = new int[2];
    int q = l.q();
    int src = updates.offset();
    for (int b = 0; b < l.b(); b++) {
      for (int pre = 0; pre < l.p(); pre++) {
        int base = (b * l.p() + pre) * l.n() * q;
        for (int i = 0; i < l.i(); i++) {
          offsets[0] = base + (int) idx[b * l.i() + i] * q;
          offsets[1] = src;
          add.run(operands, offsets, result.data(), offsets[0], q);
          src += q;
        }
      }
    }
    return result;
  }

  @Override
  public Batched batch(Tensor[] args, int[] dims, Params p, int batchSize) {
    Tensor[] xs = BatchRules.allAtFront(args, dims, batchSize);
    Params q = Gather.params(p.integer("axis") + 1, p.integer("batch_dims") + 1);
    return Batched.of(Interpreters.bind1(this, q, xs), 0);
  }

  @Override
  public Tensor jvp(Tensor[] primals, Tensor[] tangents, Tensor output, Params params) {
    if (tangents[0] == null && tangents[2] == null) {
      return null;
    }
    Tensor base = Tangents.orZeros(tangents[0], primals[0]);
    Tensor updates = Tangents.orZeros(tangents[2], primals[2]);
    return Interpreters.bind1(this, params, base, primals[1], updates);
  }

  @Override
  public Tensor[] vjp(Tensor[] primals, Tensor output, Tensor cotangent, Params params) {
    return new Tensor[] {
      cotangent, null, Interpreters.bind1(Gather.GATHER, params, cotangent, primals[1])
    };
  }
}
