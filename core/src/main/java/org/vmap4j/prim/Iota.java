package org.vmap4j.prim;

import org.vmap4j.Tensor;
import org.vmap4j.TensorType;
import org.vmap4j.cpu.CpuTensor;
import org.vmap4j.cpu.Storage;
import org.vmap4j.interpreter.BatchRules;
import org.vmap4j.interpreter.Batched;
import org.vmap4j.interpreter.Interpreters;
import org.vmap4j.interpreter.Params;
import org.vmap4j.interpreter.SingleResultPrimitive;

/**
 * A tensor of {@code shape} and {@code dtype} whose elements are their own index along {@code
 * dimension}: the source of {@code arange} and of index arithmetic. No operands.
 */
public enum Iota implements SingleResultPrimitive {
  IOTA;

  public static Params params(org.vmap4j.DType dtype, int[] shape, int dimension) {
    return Params.of("dtype", dtype, "shape", shape, "dimension", dimension);
  }

  @Override
  public TensorType inferType(TensorType[] in, Params p) {
    Binary.requireArity("iota", in, 0);
    TensorType t = new TensorType(p.dtype("dtype"), p.ints("shape"));
    int d = p.integer("dimension");
    if (d < 0 || d >= t.ndim()) {
      throw new IllegalArgumentException("iota: dimension " + d + " is out of range for " + t);
    }
    return t;
  }

  @Override
  public CpuTensor evaluate(CpuTensor[] in, Params p, TensorType out) {
    CpuTensor result = CpuTensor.allocate(out);
    int d = p.integer("dimension");
    int stride = result.strides()[d];
    int n = out.dim(d);
    Object data = result.data();
    for (int i = 0; i < out.size(); i++) {
      Storage.setDouble(data, i, (i / stride) % n);
    }
    return result;
  }

  /** No operands, so nothing is ever batched: the result is the same for every example. */
  @Override
  public Batched batch(Tensor[] args, int[] dims, Params p, int batchSize) {
    return Batched.of(Interpreters.bind1(this, p), BatchRules.NOT_MAPPED);
  }

  /** No operands, so nothing to differentiate. */
  @Override
  public Tensor jvp(Tensor[] primals, Tensor[] tangents, Tensor output, Params p) {
    return null;
  }

  @Override
  public Tensor[] vjp(Tensor[] primals, Tensor output, Tensor cotangent, Params p) {
    return new Tensor[0];
  }
}
