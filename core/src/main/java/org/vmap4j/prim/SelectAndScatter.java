package org.vmap4j.prim;

import org.vmap4j.Tensor;
import org.vmap4j.TensorType;
import org.vmap4j.cpu.CpuTensor;
import org.vmap4j.cpu.WindowReductions;
import org.vmap4j.interpreter.BatchRules;
import org.vmap4j.interpreter.Batched;
import org.vmap4j.interpreter.Interpreters;
import org.vmap4j.interpreter.Params;
import org.vmap4j.interpreter.SingleResultPrimitive;
import org.vmap4j.kernel.Monoid;

/**
 * The VJP of max and min pooling, in one pass: {@code select_and_scatter_add_max(operand, source)}
 * is shaped like the operand and zero except that each window's source value (the source is shaped
 * like {@code reduce_window}'s result) is added at the window's first maximum of the operand
 * (row-major within the window, NaN counting as the maximum, as {@code argmax}); {@code _min} at
 * its first minimum. Parameters and windows are {@link ReduceWindow}'s; padding is never selected.
 *
 * <p>It replaces the per-tap slices, one-hot comparison and padded sums that composing the VJP from
 * other primitives needs (a dozen passes over {@code result × taps} elements) with one pass over
 * the windows.
 *
 * <p>Derivatives: linear in the source and piecewise constant in the operand (whose derivative is
 * zero wherever the selection does not change). The transpose in the source gathers, for each
 * window, the cotangent at the selected element: ReduceWindow's forward-mode rule, composed of
 * other primitives, so that second derivatives through pooling work.
 */
public enum SelectAndScatter implements SingleResultPrimitive {
  SELECT_AND_SCATTER_ADD_MAX(ReduceWindow.REDUCE_WINDOW_MAX),
  SELECT_AND_SCATTER_ADD_MIN(ReduceWindow.REDUCE_WINDOW_MIN);

  private final ReduceWindow pooling;

  SelectAndScatter(ReduceWindow pooling) {
    this.pooling = pooling;
  }

  /** The primitive that routes the cotangent of {@code pooling} (max or min) back. */
  static SelectAndScatter of(ReduceWindow pooling) {
    return pooling == ReduceWindow.REDUCE_WINDOW_MAX
        ? SELECT_AND_SCATTER_ADD_MAX
        : SELECT_AND_SCATTER_ADD_MIN;
  }

  @Override
  public TensorType inferType(TensorType[] in, Params p) {
    Binary.requireArity(displayName(), in, 2);
    TensorType pooled = pooling.inferType(new TensorType[] {in[0]}, p);
    if (!in[1].equals(pooled)) {
      throw new IllegalArgumentException(
          displayName()
              + ": the source must have the pooled shape and dtype "
              + pooled
              + " of operand "
              + in[0]
              + " under "
              + p
              + ", got "
              + in[1]);
    }
    return in[0];
  }

  @Override
  public CpuTensor evaluate(CpuTensor[] in, Params p, TensorType out) {
    ReduceWindow.Window w = ReduceWindow.Window.of(p);
    Monoid monoid = this == SELECT_AND_SCATTER_ADD_MAX ? Monoid.MAX : Monoid.MIN;
    return WindowReductions.selectAndScatterAdd(
        in[0], in[1], w.dims(), w.strides(), w.low(), w.dilation(), monoid, out);
  }

  /** Both operands get the batch first (an unmapped one broadcast), and the window a unit axis. */
  @Override
  public Batched batch(Tensor[] args, int[] dims, Params p, int size) {
    Tensor[] a = BatchRules.allAtFront(args, dims, size);
    Params q = ReduceWindow.Window.of(p).withBatchInFront();
    return Batched.of(Interpreters.bind1(this, q, a[0], a[1]), 0);
  }

  @Override
  public Tensor jvp(Tensor[] primals, Tensor[] tangents, Tensor output, Params p) {
    return tangents[1] == null ? null : Interpreters.bind1(this, p, primals[0], tangents[1]);
  }

  @Override
  public Tensor[] vjp(Tensor[] primals, Tensor output, Tensor ct, Params p) {
    return new Tensor[] {null, pooling.gatherAtExtremes(primals[0], ct, p)};
  }
}
