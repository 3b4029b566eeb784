package org.vmap4j.prim;

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
import org.vmap4j.kernel.IndexLoad;
import org.vmap4j.kernel.KernelDescription;
import org.vmap4j.kernel.KernelPrimitive;
import org.vmap4j.kernel.View;

/**
 * Takes slices of {@code x} along {@code axis} at the positions in an integer index tensor. The
 * first {@code batch_dims} dimensions of {@code x} and of the indices are paired batch dimensions
 * (each batch element indexes its own slice of x). With x of shape {@code [B..., P..., n, Q...]}
 * ({@code axis} = position of n) and indices {@code [B..., I...]}, the result is {@code [B...,
 * P..., I..., Q...]}. An index outside {@code [0, n)} is an error.
 */
public enum Gather implements SingleResultPrimitive, KernelPrimitive {
  GATHER;

  public static Params params(int axis, int batchDims) {
    return Params.of("axis", axis, "batch_dims", batchDims);
  }

  @Override
  public TensorType inferType(TensorType[] in, Params p) {
    Binary.requireArity("gather", in, 2);
    return IndexedLayout.of("gather", in[0], in[1], p).gatheredType();
  }

  @Override
  public CpuTensor evaluate(CpuTensor[] in, Params p, TensorType out) {
    return PreparedKernels.run(this, in, p, out);
  }

  /**
   * One thread of work per element of the result seen as {@code [B, P, I, Q]}: x (seen as {@code
   * [B, P, N, Q]}) is read at {@code [b, p, idx[b, i], q]}, i.e. with strides {@code [PNQ, NQ, 0,
   * 1]} plus an index load of stride Q; the indices (seen as {@code [B, I]}) with strides {@code
   * [I, 0, 1, 0]}.
   */
  @Override
  public KernelDescription kernel(TensorType[] in, Params p, TensorType out) {
    IndexedLayout l = IndexedLayout.of("gather", in[0], in[1], p);
    int q = l.q();
    int n = l.n();
    View x =
        new View(
            in[0].shape(),
            new int[] {l.p() * n * q, n * q, 0, 1},
            0,
            List.of(new IndexLoad(1, q, n, "gather")));
    View indices = View.strided(in[1].shape(), new int[] {l.i(), 0, 1, 0}, 0);
    return new KernelDescription(
        List.of(),
        "x0",
        in[0].dtype(),
        List.of(in[0].dtype(), in[1].dtype()),
        new int[] {l.b(), l.p(), l.i(), q},
        null,
        0,
        List.of(x, indices));
  }

  /** Keeps the validation and the sizes of the flattened index layout in one place. */
  record IndexedLayout(int b, int p, int n, int q, int i, TensorType gatheredType) {
    static IndexedLayout of(String op, TensorType x, TensorType idx, Params params) {
      int axis = params.integer("axis");
      int nb = params.integer("batch_dims");
      if (!idx.dtype().isInteger()) {
        throw new IllegalArgumentException(op + ": indices must be i32 or i64, got " + idx);
      }
      if (nb < 0 || nb > idx.ndim() || axis < nb || axis >= x.ndim()) {
        throw new IllegalArgumentException(
            op
                + ": axis "
                + axis
                + " with "
                + nb
                + " batch dims is invalid for "
                + x
                + " indexed by "
                + idx);
      }
      for (int d = 0; d < nb; d++) {
        if (x.dim(d) != idx.dim(d)) {
          throw new IllegalArgumentException(
              op + ": batch dimension " + d + " differs between " + x + " and indices " + idx);
        }
      }
      int[] xs = x.shape();
      int[] is = idx.shape();
      int[] batch = Shapes.select(xs, Shapes.range(0, nb));
      int[] pre = Shapes.select(xs, Shapes.range(nb, axis));
      int[] post = Shapes.select(xs, Shapes.range(axis + 1, xs.length));
      int[] items = Shapes.select(is, Shapes.range(nb, is.length));
      int[] shape = Shapes.concat(Shapes.concat(batch, pre), Shapes.concat(items, post));
      return new IndexedLayout(
          Shapes.size(batch),
          Shapes.size(pre),
          xs[axis],
          Shapes.size(post),
          Shapes.size(items),
          x.withShape(shape));
    }
  }

  /**
   * A batched operand becomes one more leading dimension that the rule places where the primitive's
   * layout keeps it apart: for x alone, just after the paired batch dimensions (a "P" dimension);
   * for the indices alone, first among the index dimensions; for both, a new paired batch
   * dimension.
   */
  @Override
  public Batched batch(Tensor[] args, int[] dims, Params p, int batchSize) {
    int axis = p.integer("axis");
    int nb = p.integer("batch_dims");
    Tensor x = args[0];
    Tensor idx = args[1];
    if (dims[1] == BatchRules.NOT_MAPPED) {
      x = BatchRules.moveAxis(x, dims[0], nb);
      return Batched.of(Interpreters.bind1(this, params(axis + 1, nb), x, idx), nb);
    }
    if (dims[0] == BatchRules.NOT_MAPPED) {
      idx = BatchRules.moveAxis(idx, dims[1], nb);
      return Batched.of(Interpreters.bind1(this, params(axis, nb), x, idx), axis);
    }
    x = BatchRules.atFront(x, dims[0]);
    idx = BatchRules.atFront(idx, dims[1]);
    return Batched.of(Interpreters.bind1(this, params(axis + 1, nb + 1), x, idx), 0);
  }

  @Override
  public Tensor jvp(Tensor[] primals, Tensor[] tangents, Tensor output, Params params) {
    return tangents[0] == null ? null : Interpreters.bind1(this, params, tangents[0], primals[1]);
  }

  /** The transpose of a gather adds each cotangent slice back where it was taken from. */
  @Override
  public Tensor[] vjp(Tensor[] primals, Tensor output, Tensor cotangent, Params params) {
    Tensor zeros = Tensor.zeros(cotangent.dtype(), primals[0].shape());
    return new Tensor[] {
      Interpreters.bind1(ScatterAdd.SCATTER_ADD, params, zeros, primals[1], cotangent), null
    };
  }
}
