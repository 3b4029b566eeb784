package org.vmap4j.cpu;

import java.util.Arrays;
import org.vmap4j.DType;
import org.vmap4j.core.Shapes;
import org.vmap4j.core.TensorType;
import org.vmap4j.kernel.Monoid;

/**
 * The eager CPU kernels of {@code reduce_window} and of its max and min VJP, {@code
 * select_and_scatter_add}. Every result element combines the input elements under one window;
 * window positions outside the input (padding) contribute the monoid's identity, i.e. nothing; the
 * taps of a window are {@code dilation} apart along each dimension. Leading dimensions with a
 * window of one at stride one and no padding (batch, channels) are planes that share one table of
 * tap offsets, {@code [result positions in a plane, taps]}, built once per call; every plane then
 * walks that table with no index arithmetic.
 */
public final class WindowReductions {
  private WindowReductions() {}

  /**
   * The planes and the tap table of one windowed operation: {@code taps[p * tapCount + k]} is the
   * offset inside an input plane read by tap k (row-major within the window) of result position p,
   * or -1 where the tap falls on padding.
   */
  private record Taps(int planes, int inPlane, int outPlane, int tapCount, int[] taps) {
    static Taps of(
        int[] in, int[] out, int[] window, int[] strides, int[] paddingLow, int[] dilation) {
      int rank = in.length;
      int lead = 0;
      // at least one dimension stays windowed, so that every result element reads its window
      while (lead < rank - 1
          && window[lead] == 1
          && strides[lead] == 1
          && paddingLow[lead] == 0
          && in[lead] == out[lead]) {
        lead++;
      }
      int[] inTail = Arrays.copyOfRange(in, lead, rank);
      int[] outTail = Arrays.copyOfRange(out, lead, rank);
      int[] windowTail = Arrays.copyOfRange(window, lead, rank);
      int[] inStrides = Shapes.contiguousStrides(inTail);
      int outPlane = Shapes.size(outTail);
      int tapCount = Shapes.size(windowTail);
      int[] taps = new int[outPlane * tapCount];
      int tail = rank - lead;
      int[] o = new int[tail];
      int[] k = new int[tail];
      for (int p = 0; p < outPlane; p++) {
        unflatten(p, outTail, o);
        for (int t = 0; t < tapCount; t++) {
          unflatten(t, windowTail, k);
          int offset = 0;
          for (int d = 0; d < tail && offset >= 0; d++) {
            int i = o[d] * strides[lead + d] + k[d] * dilation[lead + d] - paddingLow[lead + d];
            offset = i >= 0 && i < inTail[d] ? offset + i * inStrides[d] : -1;
          }
          taps[p * tapCount + t] = offset;
        }
      }
      int planes = Shapes.size(Arrays.copyOf(in, lead));
      return new Taps(planes, Shapes.size(inTail), outPlane, tapCount, taps);
    }
  }

  public static CpuTensor reduce(
      CpuTensor x,
      int[] window,
      int[] strides,
      int[] paddingLow,
      int[] dilation,
      Monoid monoid,
      TensorType outType) {
    CpuTensor out = CpuTensor.allocate(outType);
    if (outType.size() == 0) {
      return out;
    }
    Taps t = Taps.of(x.shape(), outType.shape(), window, strides, paddingLow, dilation);
    Object src = x.contiguousData();
    if (src instanceof float[] f) {
      reduceFloats(f, (float[]) out.data(), t, monoid);
    } else {
      reduceDoubles((double[]) src, (double[]) out.data(), t, monoid);
    }
    return out;
  }

  private static void reduceFloats(float[] x, float[] y, Taps t, Monoid monoid) {
    int[] taps = t.taps();
    int n = t.tapCount();
    float identity = (float) monoid.identity();
    for (int plane = 0; plane < t.planes(); plane++) {
      int base = plane * t.inPlane();
      int out = plane * t.outPlane();
      for (int p = 0; p < t.outPlane(); p++) {
        float acc = identity;
        for (int k = p * n, end = k + n; k < end; k++) {
          int offset = taps[k];
          if (offset >= 0) {
            float v = x[base + offset];
            acc =
                switch (monoid) {
                  case SUM -> acc + v;
                  case MAX -> Math.max(acc, v);
                  case MIN -> Math.min(acc, v);
                };
          }
        }
        y[out + p] = acc;
      }
    }
  }

  private static void reduceDoubles(double[] x, double[] y, Taps t, Monoid monoid) {
    int[] taps = t.taps();
    int n = t.tapCount();
    double identity = monoid.identity();
    for (int plane = 0; plane < t.planes(); plane++) {
      int base = plane * t.inPlane();
      int out = plane * t.outPlane();
      for (int p = 0; p < t.outPlane(); p++) {
        double acc = identity;
        for (int k = p * n, end = k + n; k < end; k++) {
          int offset = taps[k];
          if (offset >= 0) {
            double v = x[base + offset];
            acc =
                switch (monoid) {
                  case SUM -> acc + v;
                  case MAX -> Math.max(acc, v);
                  case MIN -> Math.min(acc, v);
                };
          }
        }
        y[out + p] = acc;
      }
    }
  }

  /**
   * {@code select_and_scatter_add}: a result shaped like {@code x}, zero except that each window's
   * {@code source} value is added at the window's first maximum ({@code monoid} MAX) or minimum
   * (MIN) of {@code x}, row-major within the window, a NaN counting as both (as {@code argmax}
   * does). Padding is never selected; a window that lies wholly in the padding adds nothing.
   */
  public static CpuTensor selectAndScatterAdd(
      CpuTensor x,
      CpuTensor source,
      int[] window,
      int[] strides,
      int[] paddingLow,
      int[] dilation,
      Monoid monoid,
      TensorType outType) {
    CpuTensor out = CpuTensor.allocate(outType);
    if (source.size() == 0 || outType.size() == 0) {
      return out;
    }
    Taps t = Taps.of(x.shape(), source.shape(), window, strides, paddingLow, dilation);
    boolean max = monoid == Monoid.MAX;
    Object xs = x.contiguousData();
    Object ss = source.contiguousData();
    if (xs instanceof float[] f) {
      scatterFloats(f, (float[]) ss, (float[]) out.data(), t, max);
    } else {
      scatterDoubles((double[]) xs, (double[]) ss, (double[]) out.data(), t, max);
    }
    return out;
  }

  private static void scatterFloats(float[] x, float[] s, float[] y, Taps t, boolean max) {
    int[] taps = t.taps();
    int n = t.tapCount();
    for (int plane = 0; plane < t.planes(); plane++) {
      int base = plane * t.inPlane();
      int src = plane * t.outPlane();
      for (int p = 0; p < t.outPlane(); p++) {
        int chosen = -1;
        float best = 0;
        for (int k = p * n, end = k + n; k < end; k++) {
          int offset = taps[k];
          if (offset < 0) {
            continue;
          }
          float v = x[base + offset];
          if (chosen < 0
              || (!Float.isNaN(best) && (Float.isNaN(v) || (max ? v > best : v < best)))) {
            chosen = offset;
            best = v;
          }
        }
        if (chosen >= 0) {
          y[base + chosen] += s[src + p];
        }
      }
    }
  }

  private static void scatterDoubles(double[] x, double[] s, double[] y, Taps t, boolean max) {
    int[] taps = t.taps();
    int n = t.tapCount();
    for (int plane = 0; plane < t.planes(); plane++) {
      int base = plane * t.inPlane();
      int src = plane * t.outPlane();
      for (int p = 0; p < t.outPlane(); p++) {
        int chosen = -1;
        double best = 0;
        for (int k = p * n, end = k + n; k < end; k++) {
          int offset = taps[k];
          if (offset < 0) {
            continue;
          }
          double v = x[base + offset];
          if (chosen < 0
              || (!Double.isNaN(best) && (Double.isNaN(v) || (max ? v > best : v < best)))) {
            chosen = offset;
            best = v;
          }
        }
        if (chosen >= 0) {
          y[base + chosen] += s[src + p];
        }
      }
    }
  }

  private static void unflatten(int flat, int[] shape, int[] into) {
    for (int d = shape.length - 1; d >= 0; d--) {
      into[d] = flat % shape[d];
      flat /= shape[d];
    }
  }

  /** Whether these kernels handle the dtype. */
  public static boolean supports(DType dtype) {
    return dtype == DType.F64 || dtype == DType.F32;
  }
}
