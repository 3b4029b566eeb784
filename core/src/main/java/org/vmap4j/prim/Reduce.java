package org.vmap4j.prim;

import java.util.Arrays;
import org.vmap4j.Tensor;
import org.vmap4j.TensorType;
import org.vmap4j.cpu.CpuTensor;
import org.vmap4j.cpu.Reductions;
import org.vmap4j.interpreter.BatchRules;
import org.vmap4j.interpreter.Batched;
import org.vmap4j.interpreter.Interpreters;
import org.vmap4j.interpreter.Params;
import org.vmap4j.interpreter.Shapes;
import org.vmap4j.interpreter.SingleResultPrimitive;
import org.vmap4j.kernel.KernelDescription;
import org.vmap4j.kernel.Monoid;
import org.vmap4j.kernel.ReductionPrimitive;
import org.vmap4j.kernel.View;

/**
 * Reductions over a set of axes (parameter {@code axes}: sorted, distinct, non-negative); the
 * reduced axes are removed from the shape.
 */
public enum Reduce implements SingleResultPrimitive, ReductionPrimitive {
  REDUCE_SUM(Monoid.SUM),
  REDUCE_MAX(Monoid.MAX),
  REDUCE_MIN(Monoid.MIN);

  private final Monoid monoid;

  Reduce(Monoid monoid) {
    this.monoid = monoid;
  }

  @Override
  public Monoid monoid() {
    return monoid;
  }

  @Override
  public int[] reducedAxes(Params params) {
    return params.ints("axes");
  }

  public static Params params(int... axes) {
    return Params.of("axes", axes);
  }

  @Override
  public TensorType inferType(TensorType[] in, Params params) {
    Binary.requireArity(displayName(), in, 1);
    TensorType x = in[0];
    Elementwise.requireNumeric(displayName(), x.dtype());
    int[] axes = params.ints("axes");
    for (int i = 0; i < axes.length; i++) {
      if (axes[i] < 0 || axes[i] >= x.ndim() || (i > 0 && axes[i] <= axes[i - 1])) {
        throw new IllegalArgumentException(
            displayName()
                + ": axes "
                + Arrays.toString(axes)
                + " are not sorted distinct dims of "
                + x);
      }
      if (monoid != Monoid.SUM && x.dim(axes[i]) == 0) {
        throw new IllegalArgumentException(
            displayName() + ": cannot reduce over dimension " + axes[i] + " of size 0 in " + x);
      }
    }
    return x.withShape(Shapes.select(x.shape(), Shapes.complement(x.ndim(), axes)));
  }

  /**
   * The operand read with the reduced axes moved last (kept axes in order, then reduced axes in
   * order), combined over those trailing dimensions by this reduction's monoid; a reduction over no
   * axes is a plain copy.
   */
  @Override
  public KernelDescription kernel(TensorType[] in, Params params, TensorType out) {
    int[] shape = in[0].shape();
    int[] axes = params.ints("axes").clone();
    Arrays.sort(axes);
    int[] order = Shapes.concat(Shapes.complement(shape.length, axes), axes);
    View v = View.strided(shape, Shapes.select(Shapes.contiguousStrides(shape), order), 0);
    return KernelDescription.copy(
            out.dtype(), Shapes.select(shape, order), axes.length == 0 ? null : monoid, axes.length)
        .withViews(java.util.List.of(v));
  }

  @Override
  public CpuTensor evaluate(CpuTensor[] in, Params params, TensorType out) {
    return Reductions.reduce(in[0], params.ints("axes"), monoid, out);
  }

  @Override
  public Batched batch(Tensor[] args, int[] dims, Params params, int batchSize) {
    Tensor x = BatchRules.atFront(args[0], dims[0]);
    return Batched.of(
        Interpreters.bind1(this, params(BatchRules.shifted(params.ints("axes"))), x), 0);
  }

  @Override
  public Tensor jvp(Tensor[] primals, Tensor[] tangents, Tensor output, Params params) {
    if (this == REDUCE_SUM) {
      return Interpreters.bind1(this, params, tangents[0]);
    }
    Tensor[] w = extremeWeights(primals[0], output, params);
    return Interpreters.bind1(REDUCE_SUM, params, tangents[0].mul(w[0])).div(w[1]);
  }

  @Override
  public Tensor[] vjp(Tensor[] primals, Tensor output, Tensor cotangent, Params params) {
    Tensor x = primals[0];
    if (this == REDUCE_SUM) {
      return new Tensor[] {spread(cotangent, x, params)};
    }
    Tensor[] w = extremeWeights(x, output, params);
    return new Tensor[] {spread(cotangent.div(w[1]), x, params).mul(w[0])};
  }

  /**
   * For max and min: which elements attain the extreme (1 or 0, shaped like x) and how many do per
   * result; ties share the derivative evenly, as in JAX and PyTorch's full {@code max()}. A result
   * is NaN exactly when its slice holds a NaN (the reduction propagates NaN), and then the NaNs are
   * what attains it: the derivative goes to them (shared if several), as PyTorch's {@code max()}
   * does, rather than to no element (which would divide 0 by 0 into every element).
   */
  private static Tensor[] extremeWeights(Tensor x, Tensor y, Params params) {
    Tensor attains = x.eq(spread(y, x, params)).astype(x.dtype());
    if (x.dtype().isFloating()) {
      // a select of numbers, not of booleans: backends lower arithmetic selects everywhere
      attains = Tensor.where(x.ne(x), 1, attains);
    }
    return new Tensor[] {attains, Interpreters.bind1(REDUCE_SUM, params, attains)};
  }

  /** A reduced value broadcast back over the reduced axes to x's shape. */
  private static Tensor spread(Tensor reduced, Tensor x, Params params) {
    int[] kept = Shapes.complement(x.ndim(), params.ints("axes"));
    return Interpreters.bind1(
        BroadcastInDim.BROADCAST_IN_DIM, BroadcastInDim.params(x.shape(), kept), reduced);
  }
}
