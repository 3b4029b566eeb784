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

/** Reorders dimensions: result dimension i is operand dimension {@code perm[i]}. A view. */
public enum Transpose implements SingleResultPrimitive, KernelPrimitive {
  TRANSPOSE;

  public static Params params(int... perm) {
    return Params.of("perm", perm);
  }

  @Override
  public TensorType inferType(TensorType[] in, Params p) {
    Binary.requireArity("transpose", in, 1);
    int[] perm = p.ints("perm");
    if (!Shapes.isPermutation(perm, in[0].ndim())) {
      throw new IllegalArgumentException(
          "transpose: " + Shapes.str(perm) + " is not a permutation of the dims of " + in[0]);
    }
    return in[0].withShape(Shapes.select(in[0].shape(), perm));
  }

  /**
   * A copy reading the operand with its strides permuted (on the CPU, {@link #evaluate} is a view).
   */
  @Override
  public KernelDescription kernel(TensorType[] in, Params p, TensorType out) {
    int[] strides = Shapes.select(Shapes.contiguousStrides(in[0].shape()), p.ints("perm"));
    return KernelDescription.copy(out.dtype(), out.shape(), null, 0)
        .withViews(java.util.List.of(View.strided(in[0].shape(), strides, 0)));
  }

  @Override
  public CpuTensor evaluate(CpuTensor[] in, Params p, TensorType out) {
    return in[0].permuteView(p.ints("perm"));
  }

  @Override
  public Batched batch(Tensor[] args, int[] dims, Params p, int batchSize) {
    Tensor x = BatchRules.atFront(args[0], dims[0]);
    int[] perm = BatchRules.prepend(0, BatchRules.shifted(p.ints("perm")));
    return Batched.of(Interpreters.bind1(this, params(perm), x), 0);
  }

  @Override
  public Tensor jvp(Tensor[] primals, Tensor[] tangents, Tensor output, Params params) {
    return Interpreters.bind1(this, params, tangents[0]);
  }

  @Override
  public Tensor[] vjp(Tensor[] primals, Tensor output, Tensor cotangent, Params p) {
    return new Tensor[] {cotangent.permute(Shapes.inversePermutation(p.ints("perm")))};
  }
}
