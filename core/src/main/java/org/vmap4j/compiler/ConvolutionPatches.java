package org.vmap4j.compiler;

import org.vmap4j.interpreter.Params;
import org.vmap4j.ir.Var;
import org.vmap4j.prim.Concatenate;
import org.vmap4j.prim.Pad;
import org.vmap4j.prim.Reshape;
import org.vmap4j.prim.Slice;

/**
 * The unfolded input patches of a per-sample filter gradient's layer, staged as equations: {@code
 * [kh·kw, d0, d1, T]} for the gradient's inputs {@code [d0, d1, H, W]} ({@code [C, B, H, W]}, or
 * {@code [B·C, 1, H, W]} for a grouped layer), entry {@code (k, i, j, t)} the input value that
 * filter tap {@code k} (row major over the window) meets at output position {@code t} (zero where
 * the window lies on padding). Built as {@code prim/WindowPatches} builds a pooling window's taps,
 * from pad, one strided slice per tap and a concatenation (so that it runs on every backend), with
 * the layer's input dilation as interior padding; a compiler pass cannot call that helper, which
 * binds eager tensors, so the same construction is written here as equations.
 */
final class ConvolutionPatches {
  private ConvolutionPatches() {}

  static Var emit(PerSampleFilterGradients.FilterGradient g, PerSampleConvolutions.Emitter e) {
    Params forward = g.forwardParams();
    int[] strides = forward.ints("window_strides");
    int[] dilation = forward.ints("rhs_dilation");
    int[] low = forward.ints("padding_low");
    int[] lhsDilation = forward.ints("lhs_dilation");
    int[] window = g.window();
    int[] positions = g.positions();
    Var x = g.inputs(); // [C, B, H, W]
    int[] shape = x.type().shape();
    int dims = window.length;
    int rank = dims + 2;
    int[] padLow = new int[rank];
    int[] padHigh = new int[rank];
    int[] interior = new int[rank];
    int[] offset = new int[dims]; // where the padded input's position 0 lies in the padded array
    for (int d = 0; d < dims; d++) {
      int extent = shape[d + 2] == 0 ? 0 : (shape[d + 2] - 1) * lhsDilation[d] + 1;
      padLow[d + 2] = Math.max(low[d], 0);
      offset[d] = Math.max(-low[d], 0); // negative padding crops: start further in
      int reach = offset[d] + (window[d] - 1) * dilation[d] + (positions[d] - 1) * strides[d] + 1;
      padHigh[d + 2] = Math.max(0, reach - padLow[d + 2] - extent);
      interior[d + 2] = lhsDilation[d] - 1;
    }
    Var padded = e.emit(Pad.PAD, Pad.params(padLow, padHigh, interior, 0.0), x);
    int taps = 1;
    for (int k : window) {
      taps *= k;
    }
    int lead0 = shape[0];
    int lead1 = shape[1];
    int count = g.positionCount();
    Var[] pieces = new Var[taps];
    int[] tap = new int[dims];
    for (int t = 0; t < taps; t++) {
      for (int d = dims - 1, rest = t; d >= 0; d--) {
        tap[d] = rest % window[d];
        rest /= window[d];
      }
      int[] start = new int[rank];
      int[] limit = new int[rank];
      int[] step = new int[rank];
      limit[0] = lead0;
      limit[1] = lead1;
      step[0] = 1;
      step[1] = 1;
      for (int d = 0; d < dims; d++) {
        start[d + 2] = offset[d] + tap[d] * dilation[d];
        limit[d + 2] = start[d + 2] + (positions[d] - 1) * strides[d] + 1;
        step[d + 2] = strides[d];
      }
      Var piece = e.emit(Slice.SLICE, Slice.params(start, limit, step), padded);
      pieces[t] = e.emit(Reshape.RESHAPE, Reshape.params(1, lead0, lead1, count), piece);
    }
    return taps == 1 ? pieces[0] : e.emit(Concatenate.CONCATENATE, Concatenate.params(0), pieces);
  }
}
