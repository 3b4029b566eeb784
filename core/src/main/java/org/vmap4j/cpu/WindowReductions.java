package org.vmap4j.cpu;

import org.vmap4j.DType;
import org.vmap4j.core.Shapes;
import org.vmap4j.core.TensorType;
import org.vmap4j.kernel.Monoid;

/**
 * The eager CPU kernel of {@code reduce_window}: every result element combines the input elements
 * under one window; window positions outside the input (padding) contribute the monoid's identity,
 * i.e. nothing. Leading dimensions with a window of one at stride one and no padding (batch,
 * channels) are planes that share one set of index tables; the windowed dimensions are walked
 * through those tables.
 */
public final class WindowReductions {
  private WindowReductions() {}

  public static CpuTensor reduce(
      CpuTensor x,
      int[] window,
      int[] strides,
      int[] paddingLow,
      Monoid monoid,
      TensorType outType) {
    CpuTensor out = CpuTensor.allocate(outType);
    if (outType.size() == 0) {
      return out;
    }
    int[] in = x.shape();
    int[] os = outType.shape();
    int rank = in.length;
    int lead = 0;
    // at least one dimension stays windowed, so that every result element reads its window
    while (lead < rank - 1
        && window[lead] == 1
        && strides[lead] == 1
        && paddingLow[lead] == 0
        && in[lead] == os[lead]) {
      lead++;
    }
    int planes = Shapes.size(java.util.Arrays.copyOf(in, lead));
    int tail = rank - lead;
    int[] inTail = java.util.Arrays.copyOfRange(in, lead, rank);
    int[] outTail = java.util.Arrays.copyOfRange(os, lead, rank);
    int[] inStrides = Shapes.contiguousStrides(inTail);
    // offsets[d][o][k]: the input offset along tail dimension d read by window tap k at result
    // position o, or -1 in the padding
    int[][][] offsets = new int[tail][][];
    for (int d = 0; d < tail; d++) {
      int a = lead + d;
      offsets[d] = new int[outTail[d]][window[a]];
      for (int o = 0; o < outTail[d]; o++) {
        for (int k = 0; k < window[a]; k++) {
          int i = o * strides[a] + k - paddingLow[a];
          offsets[d][o][k] = i >= 0 && i < in[a] ? i * inStrides[d] : -1;
        }
      }
    }
    double[] src = asDoubles(x);
    int inPlane = Shapes.size(inTail);
    int outPlane = Shapes.size(outTail);
    double[] result = new double[outType.size()];
    double identity =
        switch (monoid) {
          case SUM -> 0.0;
          case MAX -> Double.NEGATIVE_INFINITY;
          case MIN -> Double.POSITIVE_INFINITY;
        };
    int[] o = new int[tail];
    for (int plane = 0; plane < planes; plane++) {
      int base = plane * inPlane;
      for (int p = 0; p < outPlane; p++) {
        int rem = p;
        for (int d = tail - 1; d >= 0; d--) {
          o[d] = rem % outTail[d];
          rem /= outTail[d];
        }
        result[plane * outPlane + p] = combine(src, base, offsets, o, 0, identity, monoid);
      }
    }
    Object data = out.data();
    if (data instanceof double[] dd) {
      System.arraycopy(result, 0, dd, 0, result.length);
    } else {
      float[] f = (float[]) data;
      for (int i = 0; i < result.length; i++) {
        f[i] = (float) result[i];
      }
    }
    return out;
  }

  /** Folds the window taps of tail dimensions {@code d..} into {@code acc}. */
  private static double combine(
      double[] src, int base, int[][][] offsets, int[] o, int d, double acc, Monoid monoid) {
    int[] taps = offsets[d][o[d]];
    boolean innermost = d == offsets.length - 1;
    for (int k = 0; k < taps.length; k++) {
      if (taps[k] < 0) {
        continue;
      }
      if (innermost) {
        double v = src[base + taps[k]];
        acc =
            switch (monoid) {
              case SUM -> acc + v;
              case MAX -> Math.max(acc, v);
              case MIN -> Math.min(acc, v);
            };
      } else {
        acc = combine(src, base + taps[k], offsets, o, d + 1, acc, monoid);
      }
    }
    return acc;
  }

  private static double[] asDoubles(CpuTensor x) {
    Object data = x.contiguousData();
    if (data instanceof double[] d) {
      return d;
    }
    float[] f = (float[]) data;
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      d[i] = f[i];
    }
    return d;
  }

  /** Whether this kernel handles the dtype (it computes in double). */
  public static boolean supports(DType dtype) {
    return dtype == DType.F64 || dtype == DType.F32;
  }
}
