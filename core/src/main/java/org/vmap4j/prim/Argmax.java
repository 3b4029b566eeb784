package org.vmap4j.prim;

import java.util.List;
import org.vmap4j.DType;
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
import org.vmap4j.kernel.IndexMonoid;
import org.vmap4j.kernel.IndexReduction;
import org.vmap4j.kernel.IndexReductionPrimitive;
import org.vmap4j.kernel.KernelDescription;
import org.vmap4j.kernel.View;

/**
 * Index (I64) of the first maximum along {@code axis}, which is removed from the shape; a NaN
 * counts as larger than any number, as in NumPy and PyTorch.
 */
public enum Argmax implements SingleResultPrimitive, IndexReductionPrimitive {
  ARGMAX;

  public static Params params(int axis) {
    return Params.of("axis", axis);
  }

  @Override
  public TensorType inferType(TensorType[] in, Params params) {
    Binary.requireArity("argmax", in, 1);
    TensorType x = in[0];
    Elementwise.requireNumeric("argmax", x.dtype());
    int axis = Shapes.axis(params.integer("axis"), x.ndim(), "argmax");
    if (x.dim(axis) == 0) {
      throw new IllegalArgumentException("argmax: dimension " + axis + " of " + x + " is empty");
    }
    return new TensorType(
        DType.I64, Shapes.select(x.shape(), Shapes.complement(x.ndim(), new int[] {axis})));
  }

  @Override
  public CpuTensor evaluate(CpuTensor[] in, Params params, TensorType out) {
    return PreparedKernels.run(this, in, params, out);
  }

  /**
   * The values are x with the axis moved last (a strided view: the other dimensions in order, then
   * the axis), picked from by {@link IndexMonoid#ARGMAX}.
   */
  @Override
  public IndexReduction kernel(TensorType[] in, Params params, TensorType out) {
    int[] xs = in[0].shape();
    int axis = Shapes.axis(params.integer("axis"), xs.length, "argmax");
    int[] order = Shapes.concat(Shapes.complement(xs.length, new int[] {axis}), new int[] {axis});
    View x = View.strided(xs, Shapes.select(Shapes.contiguousStrides(xs), order), 0);
    KernelDescription values =
        new KernelDescription(
            List.of(),
            "x0",
            in[0].dtype(),
            List.of(in[0].dtype()),
            Shapes.select(xs, order),
            null,
            0,
            List.of(x));
    return new IndexReduction(values, IndexMonoid.ARGMAX);
  }

  @Override
  public Batched batch(Tensor[] args, int[] dims, Params params, int batchSize) {
    Tensor x = BatchRules.atFront(args[0], dims[0]);
    return Batched.of(Interpreters.bind1(this, params(params.integer("axis") + 1), x), 0);
  }

  /** Integer results carry no derivatives. */
  @Override
  public Tensor jvp(Tensor[] primals, Tensor[] tangents, Tensor output, Params params) {
    return null;
  }

  @Override
  public Tensor[] vjp(Tensor[] primals, Tensor output, Tensor cotangent, Params params) {
    return new Tensor[primals.length];
  }
}
