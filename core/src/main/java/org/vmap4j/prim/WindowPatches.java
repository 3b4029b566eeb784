package org.vmap4j.prim;

import org.vmap4j.Tensor;
import org.vmap4j.interpreter.Interpreters;

/**
 * The windows of a {@code reduce_window} laid side by side, built from pad, slice and concatenate
 * (so that what uses them batches and differentiates through those primitives' own rules): {@link
 * #extract} gives {@code result shape + [taps]}, tap t being the window offset t in row-major
 * order. Meant for small windows (pooling): one slice per tap.
 */
final class WindowPatches {
  private WindowPatches() {}

  static Tensor extract(Tensor x, ReduceWindow.Window w, double padValue) {
    int[] window = w.dims();
    int[] strides = w.strides();
    int[] low = w.low();
    int rank = x.ndim();
    Tensor padded = pad(x, positive(low), positive(w.high()), padValue);
    int[] out = new int[rank];
    for (int d = 0; d < rank; d++) {
      out[d] = w.outSize(d, x.shape()[d]);
    }
    int taps = org.vmap4j.interpreter.Shapes.size(window);
    Tensor[] pieces = new Tensor[taps];
    int[] k = new int[rank];
    for (int t = 0; t < taps; t++) {
      unflatten(t, window, k);
      int[] start = new int[rank];
      int[] limit = new int[rank];
      for (int d = 0; d < rank; d++) {
        start[d] = k[d] * w.dilation()[d] + Math.max(-low[d], 0);
        limit[d] = out[d] == 0 ? start[d] : start[d] + (out[d] - 1) * strides[d] + 1;
      }
      Tensor piece =
          Interpreters.bind1(Slice.SLICE, Slice.params(start, limit, strides.clone()), padded);
      pieces[t] = piece.unsqueeze(rank);
    }
    return taps == 1 ? pieces[0] : Tensor.concat(rank, pieces);
  }

  private static Tensor pad(Tensor x, int[] low, int[] high, double value) {
    boolean any = false;
    for (int d = 0; d < low.length; d++) {
      any |= low[d] > 0 || high[d] > 0;
    }
    if (!any) {
      return x;
    }
    return Interpreters.bind1(Pad.PAD, Pad.params(low, high, new int[low.length], value), x);
  }

  private static int[] positive(int[] a) {
    int[] out = new int[a.length];
    for (int i = 0; i < a.length; i++) {
      out[i] = Math.max(a[i], 0);
    }
    return out;
  }

  private static void unflatten(int flat, int[] shape, int[] into) {
    for (int d = shape.length - 1; d >= 0; d--) {
      into[d] = flat % shape[d];
      flat /= shape[d];
    }
  }
}
