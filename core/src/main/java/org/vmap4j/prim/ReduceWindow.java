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
 * Windowed reductions (pooling): along every dimension d a window of {@code window_dimensions[d]}
 * elements moves by {@code window_strides[d]} over the operand padded with {@code padding_low[d]}
 * elements before and {@code padding_high[d]} after (negative padding crops); each result element
 * combines one window. Padding holds the monoid's identity (0 for sum, -inf for max, +inf for min),
 * so it never wins a max nor adds to a sum. An optional {@code window_dilation[d]} (1 when absent,
 * and then not written) spaces the window's taps that far apart. {@code y_d = floor((n + low + high
 * - ((window - 1) * dilation + 1)) / stride) + 1}.
 *
 * <p>Derivatives: the sum is linear, its transpose a windowed sum of the stride-dilated cotangent.
 * Max and min route each window's tangent or cotangent through the window's first extreme element
 * (row-major order inside the window), as PyTorch's max pooling does on ties; an element that is
 * the extreme of several overlapping windows collects all their cotangents. The cotangent is routed
 * by {@link SelectAndScatter} in one pass.
 */
public enum ReduceWindow implements SingleResultPrimitive {
  REDUCE_WINDOW_SUM(Monoid.SUM),
  REDUCE_WINDOW_MAX(Monoid.MAX),
  REDUCE_WINDOW_MIN(Monoid.MIN);

  private final Monoid monoid;

  ReduceWindow(Monoid monoid) {
    this.monoid = monoid;
  }

  public static Params params(int[] window, int[] strides, int[] paddingLow, int[] paddingHigh) {
    return Params.of(
        "window_dimensions", window,
        "window_strides", strides,
        "padding_low", paddingLow,
        "padding_high", paddingHigh);
  }

  /**
   * The parameters with the window's taps {@code dilation[d]} apart (torch's {@code dilation} of
   * max pooling); a dilation of all ones gives exactly {@link #params(int[], int[], int[], int[])}.
   */
  public static Params params(
      int[] window, int[] strides, int[] paddingLow, int[] paddingHigh, int[] dilation) {
    Params p = params(window, strides, paddingLow, paddingHigh);
    for (int d : dilation) {
      if (d != 1) {
        return p.with("window_dilation", dilation);
      }
    }
    return p;
  }

  /** The parameters decoded. */
  record Window(int[] dims, int[] strides, int[] low, int[] high, int[] dilation) {
    static Window of(Params p) {
      int[] dims = p.ints("window_dimensions");
      int[] dilation;
      if (p.asMap().containsKey("window_dilation")) {
        dilation = p.ints("window_dilation");
      } else {
        dilation = new int[dims.length];
        java.util.Arrays.fill(dilation, 1);
      }
      return new Window(
          dims, p.ints("window_strides"), p.ints("padding_low"), p.ints("padding_high"), dilation);
    }

    /** The span of the window along dimension d, its dilation included. */
    int extent(int d) {
      return (dims[d] - 1) * dilation[d] + 1;
    }

    /** The result extent along dimension d for an operand extent n. */
    int outSize(int d, int n) {
      int span = n + low[d] + high[d] - extent(d);
      return span < 0 ? 0 : span / strides[d] + 1;
    }

    /** These parameters for an operand with a new unit-window dimension in front (a batch). */
    Params withBatchInFront() {
      return params(
          BatchRules.prepend(1, dims),
          BatchRules.prepend(1, strides),
          BatchRules.prepend(0, low),
          BatchRules.prepend(0, high),
          BatchRules.prepend(1, dilation));
    }
  }

  @Override
  public TensorType inferType(TensorType[] in, Params p) {
    Binary.requireArity(displayName(), in, 1);
    TensorType x = in[0];
    if (!WindowReductions.supports(x.dtype()) || x.ndim() == 0) {
      throw new IllegalArgumentException(
          displayName() + ": needs an f32 or f64 operand of rank at least 1, got " + x);
    }
    Window w = Window.of(p);
    for (int[] a : new int[][] {w.dims, w.strides, w.low, w.high, w.dilation}) {
      if (a.length != x.ndim()) {
        throw new IllegalArgumentException(
            displayName() + ": " + p + " needs one entry per dimension of " + x);
      }
    }
    int[] shape = new int[x.ndim()];
    for (int d = 0; d < x.ndim(); d++) {
      if (w.dims[d] < 1 || w.strides[d] < 1 || w.dilation[d] < 1) {
        throw new IllegalArgumentException(
            displayName() + ": window sizes, strides and dilations must be positive, got " + p);
      }
      shape[d] = w.outSize(d, x.dim(d));
    }
    return x.withShape(shape);
  }

  @Override
  public CpuTensor evaluate(CpuTensor[] in, Params p, TensorType out) {
    Window w = Window.of(p);
    return WindowReductions.reduce(in[0], w.dims, w.strides, w.low, w.dilation, monoid, out);
  }

  @Override
  public Batched batch(Tensor[] args, int[] dims, Params p, int size) {
    Tensor x = BatchRules.atFront(args[0], dims[0]);
    return Batched.of(Interpreters.bind1(this, Window.of(p).withBatchInFront(), x), 0);
  }

  @Override
  public Tensor jvp(Tensor[] primals, Tensor[] tangents, Tensor output, Params p) {
    if (this == REDUCE_WINDOW_SUM) {
      return Interpreters.bind1(this, p, tangents[0]);
    }
    return gatherAtExtremes(primals[0], tangents[0], p);
  }

  /**
   * For each window of {@code x}, the value of {@code t} (shaped like x) at the window's first
   * extreme: the forward-mode rule of max and min pooling, and the transpose of {@link
   * SelectAndScatter} in its source.
   */
  Tensor gatherAtExtremes(Tensor x, Tensor t, Params p) {
    Window w = Window.of(p);
    Tensor chosen = firstExtreme(x, w);
    Tensor patches = WindowPatches.extract(t, w, 0.0);
    return patches.mul(chosen).sum(patches.ndim() - 1);
  }

  @Override
  public Tensor[] vjp(Tensor[] primals, Tensor output, Tensor ct, Params p) {
    Window w = Window.of(p);
    Tensor x = primals[0];
    if (ct.size() == 0) {
      return new Tensor[] {Tensor.zeros(x.dtype(), x.shape())};
    }
    if (this == REDUCE_WINDOW_SUM) {
      return new Tensor[] {sumTranspose(ct, x.shape(), w)};
    }
    return new Tensor[] {Interpreters.bind1(SelectAndScatter.of(this), p, x, ct)};
  }

  /**
   * {@code dx[i] = sum of ct[y] over the windows y that cover i}: the cotangent dilated by the
   * stride, then summed over windows at stride one with the forward's window dilation (a window of
   * ones reads the same backwards), the padding chosen so that window i covers exactly the results
   * whose windows cover input i.
   */
  private static Tensor sumTranspose(Tensor ct, int[] xShape, Window w) {
    int rank = xShape.length;
    int[] interior = new int[rank];
    int[] low = new int[rank];
    int[] high = new int[rank];
    int[] ones = new int[rank];
    boolean dilate = false;
    for (int d = 0; d < rank; d++) {
      ones[d] = 1;
      interior[d] = w.strides[d] - 1;
      dilate |= interior[d] > 0;
      int extent = (dim(ct, d) - 1) * w.strides[d] + 1;
      low[d] = w.extent(d) - 1 - w.low[d];
      high[d] = xShape[d] + w.extent(d) - 1 - extent - low[d];
    }
    Tensor spread =
        dilate
            ? Interpreters.bind1(Pad.PAD, Pad.params(new int[rank], new int[rank], interior, 0), ct)
            : ct;
    return Interpreters.bind1(
        REDUCE_WINDOW_SUM, params(w.dims, ones, low, high, w.dilation), spread);
  }

  /**
   * One-hot over each window's taps (shape {@code result + [taps]}, the operand's dtype): 1 at the
   * first maximum (or minimum) of the window, row-major within it.
   */
  private Tensor firstExtreme(Tensor x, Window w) {
    double pad = this == REDUCE_WINDOW_MAX ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
    Tensor patches = WindowPatches.extract(x, w, pad);
    if (this == REDUCE_WINDOW_MIN) {
      patches = patches.neg();
    }
    int last = patches.ndim() - 1;
    Tensor index = patches.argmax(last).unsqueeze(last);
    Tensor taps = Tensor.iota(org.vmap4j.DType.I64, patches.shape(), last);
    return taps.eq(index).astype(x.dtype());
  }

  private static int dim(Tensor t, int d) {
    return t.shape()[d];
  }
}
