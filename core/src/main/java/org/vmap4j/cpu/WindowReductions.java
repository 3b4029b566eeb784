package org.vmap4j.cpu;

import java.util.Arrays;
import org.vmap4j.DType;
import org.vmap4j.TensorType;
import org.vmap4j.interpreter.Shapes;
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
   * or -1 where the tap falls on padding. {@code outLast} is the result's last dimension and {@code
   * lastStep} the input offset between neighbouring results along it (its window stride).
   */
  private record Taps(
      int planes, int inPlane, int outPlane, int tapCount, int[] taps, int outLast, int lastStep) {
    /** Whether some tap falls on padding (an offset of -1). */
    boolean padded() {
      for (int offset : taps) {
        if (offset < 0) {
          return true;
        }
      }
      return false;
    }

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
      return new Taps(
          planes, Shapes.size(inTail), outPlane, tapCount, taps, out[rank - 1], strides[rank - 1]);
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
    if (tilesByTwoByTwo(x, outType.shape(), window, strides, paddingLow, dilation)) {
      // every element written: no zero-fill needed
      CpuTensor out = CpuTensor.allocateForOverwrite(outType);
      int[] pooled = outType.shape();
      int rank = pooled.length;
      VectorPoolReduce.reduce(
          (float[]) x.contiguousData(),
          (float[]) out.data(),
          outType.size() / (pooled[rank - 2] * pooled[rank - 1]),
          pooled[rank - 2],
          pooled[rank - 1],
          monoid);
      return out;
    }
    CpuTensor out = CpuTensor.allocate(outType);
    if (outType.size() == 0) {
      return out;
    }
    Taps t = Taps.of(x.shape(), outType.shape(), window, strides, paddingLow, dilation);
    Object src = x.contiguousData();
    if (src instanceof float[] f && !t.padded()) {
      reduceFloatsUnpadded(f, (float[]) out.data(), t, monoid);
    } else if (src instanceof float[] f) {
      reduceFloats(f, (float[]) out.data(), t, monoid);
    } else {
      reduceDoubles((double[]) src, (double[]) out.data(), t, monoid);
    }
    return out;
  }

  /*
   * The unpadded F32 loops below (the pooling layers' usual case) go along the result's last
   * dimension one tap at a time: without padding a tap's input offset grows by the last stride from
   * one result to the next, so every tap is a strided sweep over a result row with no padding test,
   * and the running maximum lives in the result row, not in a loop-carried variable (HotSpot
   * compiles {@code Math.max} in such a reduction as compare-and-branch, which mispredicts on every
   * other tap). About 4.5x faster than the tap-table loop on the CNN's 2x2 pooling.
   */

  private static void reduceFloatsUnpadded(float[] x, float[] y, Taps t, Monoid monoid) {
    int[] taps = t.taps();
    int n = t.tapCount();
    int cols = t.outLast();
    int step = t.lastStep();
    int rows = t.outPlane() / cols;
    for (int plane = 0; plane < t.planes(); plane++) {
      int base = plane * t.inPlane();
      for (int r = 0; r < rows; r++) {
        int o = plane * t.outPlane() + r * cols;
        int first = r * cols * n;
        int from = base + taps[first];
        for (int j = 0; j < cols; j++) {
          y[o + j] = x[from + j * step];
        }
        for (int k = 1; k < n; k++) {
          int at = base + taps[first + k];
          switch (monoid) {
            case SUM -> {
              for (int j = 0; j < cols; j++) {
                y[o + j] += x[at + j * step];
              }
            }
            case MAX -> {
              for (int j = 0; j < cols; j++) {
                y[o + j] = Math.max(y[o + j], x[at + j * step]);
              }
            }
            case MIN -> {
              for (int j = 0; j < cols; j++) {
                y[o + j] = Math.min(y[o + j], x[at + j * step]);
              }
            }
          }
        }
      }
    }
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
    if (tilesByTwoByTwo(x, source.shape(), window, strides, paddingLow, dilation)) {
      // every element written: no zero-fill needed
      CpuTensor out = CpuTensor.allocateForOverwrite(outType);
      int[] pooled = source.shape();
      int rank = pooled.length;
      VectorPoolScatter.scatter(
          (float[]) x.contiguousData(),
          (float[]) source.contiguousData(),
          (float[]) out.data(),
          source.size() / (pooled[rank - 2] * pooled[rank - 1]),
          pooled[rank - 2],
          pooled[rank - 1],
          monoid == Monoid.MAX);
      return out;
    }
    CpuTensor out = CpuTensor.allocate(outType);
    if (source.size() == 0 || outType.size() == 0) {
      return out;
    }
    Taps t = Taps.of(x.shape(), source.shape(), window, strides, paddingLow, dilation);
    boolean max = monoid == Monoid.MAX;
    Object xs = x.contiguousData();
    Object ss = source.contiguousData();
    if (xs instanceof float[] f && !t.padded()) {
      scatterFloatsUnpadded(f, (float[]) ss, (float[]) out.data(), t, max);
    } else if (xs instanceof float[] f) {
      scatterFloats(f, (float[]) ss, (float[]) out.data(), t, max);
    } else {
      scatterDoubles((double[]) xs, (double[]) ss, (double[]) out.data(), t, max);
    }
    return out;
  }

  /**
   * Whether {@link VectorPoolReduce} and {@link VectorPoolScatter} apply: F32 with the Vector API,
   * a 2x2 window at stride 2 over the last two dimensions (window and stride 1 elsewhere), no
   * padding or dilation, the windows tiling those two dimensions exactly ({@code pooled} is the
   * pooled shape), and something to do.
   */
  private static boolean tilesByTwoByTwo(
      CpuTensor x, int[] pooled, int[] window, int[] strides, int[] paddingLow, int[] dilation) {
    int[] in = x.shape();
    int rank = in.length;
    if (x.dtype() != DType.F32 || !Gemm.vectorApiInUse() || rank < 2 || Shapes.size(pooled) == 0) {
      return false;
    }
    for (int d = 0; d < rank; d++) {
      int size = d >= rank - 2 ? 2 : 1;
      if (window[d] != size
          || strides[d] != size
          || paddingLow[d] != 0
          || dilation[d] != 1
          || in[d] != size * pooled[d]) {
        return false;
      }
    }
    return true;
  }

  /**
   * {@link #scatterFloats} without padding, a result row at a time as {@link
   * #reduceFloatsUnpadded}, with no branch per window (which tap holds a window's maximum is as
   * good as random, and the general loop's branches mispredicted about once a window). First each
   * window's extremum by {@code Math.max}/{@code min} (NaN if the window holds one), then the taps
   * in reverse order, each taking the window where it equals the extremum, so that the first such
   * tap is the one kept: the general loop's rule (first extremum under a strict comparison, so
   * {@code -0.0} and {@code 0.0} tie; the first NaN when there is one). The comparison is integer
   * arithmetic on the bits, zeros made positive by adding {@code 0.0f}.
   */
  private static void scatterFloatsUnpadded(float[] x, float[] s, float[] y, Taps t, boolean max) {
    int[] taps = t.taps();
    int n = t.tapCount();
    int cols = t.outLast();
    int step = t.lastStep();
    int rows = t.outPlane() / cols;
    int[] chosen = new int[cols];
    float[] extremum = new float[cols];
    for (int plane = 0; plane < t.planes(); plane++) {
      int base = plane * t.inPlane();
      for (int r = 0; r < rows; r++) {
        int first = r * cols * n;
        int from = base + taps[first];
        for (int j = 0; j < cols; j++) {
          extremum[j] = x[from + j * step];
        }
        for (int k = 1; k < n; k++) {
          int at = base + taps[first + k];
          if (max) {
            for (int j = 0; j < cols; j++) {
              extremum[j] = Math.max(extremum[j], x[at + j * step]);
            }
          } else {
            for (int j = 0; j < cols; j++) {
              extremum[j] = Math.min(extremum[j], x[at + j * step]);
            }
          }
        }
        for (int k = n - 1; k >= 0; k--) {
          int at = base + taps[first + k];
          for (int j = 0; j < cols; j++) {
            int v = Float.floatToRawIntBits(x[at + j * step] + 0.0f);
            int e = Float.floatToRawIntBits(extremum[j] + 0.0f);
            int differ = v ^ e;
            int nan = (0x7f800000 - (v & 0x7fffffff)) >>> 31;
            int take = -((1 - ((differ | -differ) >>> 31)) | nan);
            chosen[j] ^= ((at + j * step) ^ chosen[j]) & take;
          }
        }
        int src = plane * t.outPlane() + r * cols;
        for (int j = 0; j < cols; j++) {
          y[chosen[j]] += s[src + j];
        }
      }
    }
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
