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

/** Row-major reshape to {@code shape} (same number of elements); a view when contiguous. */
public enum Reshape implements SingleResultPrimitive, KernelPrimitive {
  RESHAPE;

  public static Params params(int... shape) {
    return Params.of("shape", shape);
  }

  @Override
  public TensorType inferType(TensorType[] in, Params p) {
    Binary.requireArity("reshape", in, 1);
    int[] shape = p.ints("shape");
    if (Shapes.size(shape) != in[0].size()) {
      throw new IllegalArgumentException(
          "reshape: cannot reshape "
              + in[0]
              + " ("
              + in[0].size()
              + " elements) to "
              + Shapes.str(shape));
    }
    return in[0].withShape(shape);
  }

  /**
   * A copy reading the operand contiguously: its row-major elements are the result's, in the same
   * order, so a backend may reuse the operand's memory instead of running the kernel.
   */
  @Override
  public KernelDescription kernel(TensorType[] in, Params p, TensorType out) {
    return KernelDescription.copy(out.dtype(), out.shape(), null, 0);
  }

  @Override
  public CpuTensor evaluate(CpuTensor[] in, Params p, TensorType out) {
    CpuTensor x = in[0].contiguous();
    return x.view(out.shape(), Shapes.contiguousStrides(out.shape()), x.offset());
  }

  @Override
  public Batched batch(Tensor[] args, int[] dims, Params p, int batchSize) {
    Tensor x = BatchRules.atFront(args[0], dims[0]);
    return Batched.of(
        Interpreters.bind1(this, params(BatchRules.prepend(batchSize, p.ints("shape"))), x), 0);
  }

  @Override
  public Tensor jvp(Tensor[] primals, Tensor[] tangents, Tensor output, Params params) {
    return Interpreters.bind1(this, params, tangents[0]);
  }

  @Override
  public Tensor[] vjp(Tensor[] primals, Tensor output, Tensor cotangent, Params params) {
    return new Tensor[] {cotangent.reshape(primals[0].shape())};
  }
}
