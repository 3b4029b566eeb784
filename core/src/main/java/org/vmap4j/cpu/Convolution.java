package org.vmap4j.cpu;

import java.util.Arrays;
import java.util.function.Supplier;
import org.vmap4j.DType;
import org.vmap4j.TensorType;
import org.vmap4j.interpreter.Shapes;

/**
 * The eager CPU kernel of {@code conv_general_dilated} (layout: lhs {@code [N, C, spatial...]}, rhs
 * {@code [O, C / feature_groups, window...]}, result {@code [N / batch_groups, O, spatial...]}).
 * For each result example and group, the input windows are unrolled and multiplied by the group's
 * filters {@code [O_group, C_group * window]} in one of two layouts (see {@link Layout}): as
 * columns {@code [C_group * window, positions]} ("im2col") for the project's GEMM, which writes
 * straight into the result's slice (the result layout {@code [n, o, positions]} is the product's
 * row-major layout), or as patches {@code [positions, C_group * window]}, one row per result
 * position, for {@link RowProducts}.
 */
public final class Convolution {
  private Convolution() {}

  /** The spatial geometry, one entry per spatial dimension. */
  public record Geometry(
      int[] strides,
      int[] paddingLow,
      int[] lhsDilation,
      int[] rhsDilation,
      int featureGroups,
      int batchGroups) {}

  /**
   * How the input windows are laid out for the product; both give the same numbers (up to the order
   * of the additions).
   */
  public enum Layout {
    /**
     * Columns {@code [C_group * window, positions]}, multiplied by the GEMM: many result positions
     * under a small window (a forward pass, an input gradient). Each unrolled row is one result row
     * long, so its cost per row is paid once per window tap and channel.
     */
    COLUMNS,
    /**
     * Patches {@code [positions, C_group * window]}: few result positions under a large window (a
     * filter gradient, whose window is a whole image and whose result is the filter). Each patch
     * row copies runs one window row long, and the product reads filters and patches along their
     * rows. Measured by {@code ConvBenchmark.filterGradient*} (docs/performance.md): on the
     * per-sample filter gradient of ModelsPerSampleGradBenchmark's first CNN layer it took a tenth
     * of the columns' time, whose unrolled rows there are 3 elements long and whose product pads 9
     * columns to a panel of 32.
     */
    PATCHES,
    /**
     * Like the patches, for few result positions under a large window, but nothing unrolled: each
     * (example, group) pair's channels copied once into a zero-bordered plane and every result
     * element a dot product of a filter with the plane under it ({@link WindowDotConvolution}).
     * Chosen instead of the patches whenever it applies: 2-D F32 at stride 1 without dilations,
     * with the Vector API (other convolutions asked for this layout get the patches). On the CNN's
     * per-sample filter gradients the patches' copying took three times the product.
     */
    WINDOW_DOTS,
    /**
     * No unrolling: the input padded once per example and every (filter, channel, tap) a vector
     * sweep over the result plane ({@link DirectConvolution}). Chosen instead of the columns
     * whenever it applies: 2-D F32 convolutions at stride 1 without lhs dilation or groups (other
     * convolutions asked for this layout get the columns). The columns' two copies (unrolling and
     * packing) cost more than the product with 4 or 8 filters, and with the sweep's register block
     * the direct kernel was also about twice as fast with 32 filters.
     */
    DIRECT
  }

  /** The layout {@link #evaluate(CpuTensor, CpuTensor, Geometry, TensorType)} uses. */
  public static Layout chosenLayout(int[] window, int[] outSpatial) {
    return Shapes.size(outSpatial) < Shapes.size(window) ? Layout.PATCHES : Layout.COLUMNS;
  }

  public static CpuTensor evaluate(CpuTensor lhs, CpuTensor rhs, Geometry g, TensorType out) {
    int[] window = Arrays.copyOfRange(rhs.shape(), 2, rhs.ndim());
    int[] outSize = Arrays.copyOfRange(out.shape(), 2, out.ndim());
    Layout layout = chosenLayout(window, outSize);
    if (layout == Layout.PATCHES && WindowDotConvolution.handles(out.dtype(), g, outSize.length)) {
      layout = Layout.WINDOW_DOTS;
    }
    if (layout == Layout.COLUMNS && DirectConvolution.handles(out.dtype(), g, outSize.length)) {
      layout = Layout.DIRECT;
    }
    return evaluate(lhs, rhs, g, out, layout);
  }

  /**
   * The convolution with the windows laid out as {@code layout} says (to measure and test both).
   */
  public static CpuTensor evaluate(
      CpuTensor lhs, CpuTensor rhs, Geometry g, TensorType out, Layout layout) {
    int[] xShape = lhs.shape();
    int[] wShape = rhs.shape();
    int spatial = xShape.length - 2;
    DType dtype = out.dtype();
    boolean direct = layout == Layout.DIRECT && DirectConvolution.handles(dtype, g, spatial);
    boolean windowDots =
        layout == Layout.WINDOW_DOTS && WindowDotConvolution.handles(dtype, g, spatial);
    // the direct and window-dot kernels write every result element (unless the window is empty,
    // where the result is the zeros): a recycled array need not be zero-filled first
    boolean overwritten = (direct || windowDots) && Shapes.size(wShape) > 0;
    CpuTensor result = overwritten ? CpuTensor.allocateForOverwrite(out) : CpuTensor.allocate(out);
    int[] inSize = Arrays.copyOfRange(xShape, 2, xShape.length);
    int[] window = Arrays.copyOfRange(wShape, 2, wShape.length);
    int[] outSize = Arrays.copyOfRange(out.shape(), 2, out.ndim());
    int groups = g.featureGroups() * g.batchGroups();
    int outExamples = out.dim(0);
    int outChannels = out.dim(1);
    int groupChannels = wShape[1];
    int groupOut = outChannels / groups;
    int windowSize = Shapes.size(window);
    int positions = Shapes.size(outSize);
    int rows = groupChannels * windowSize;
    if (out.size() == 0 || rows == 0) {
      return result;
    }
    Object x = lhs.contiguousData();
    Object w = rhs.contiguousData();
    Object y = result.data();
    int inPositions = Shapes.size(inSize);
    int channels = xShape[1];
    if (direct) {
      DirectConvolution.evaluate(
          (float[]) x, xShape, (float[]) w, wShape, g, (float[]) y, out.shape());
      return result;
    }
    if (windowDots) {
      WindowDotConvolution.evaluate(
          (float[]) x, xShape, (float[]) w, wShape, g, (float[]) y, out.shape());
      return result;
    }
    Unroller unroller = new Unroller(g, inSize, window, outSize);
    if (layout == Layout.PATCHES || layout == Layout.WINDOW_DOTS) {
      patchProducts(
          new PatchProblem(
              dtype,
              x,
              w,
              y,
              unroller,
              g,
              outExamples,
              groups,
              groupChannels,
              groupOut,
              rows,
              positions,
              channels,
              inPositions,
              outChannels));
      return result;
    }
    boolean identity = unroller.isIdentity();
    Object columns = identity ? null : Storage.allocate(dtype, rows * positions);
    for (int n = 0; n < outExamples; n++) {
      for (int group = 0; group < groups; group++) {
        int example = inputExample(g, outExamples, n, group);
        int firstChannel = firstChannel(g, groupChannels, group);
        int xOffset = (example * channels + firstChannel) * inPositions;
        Object b = x;
        int bOffset = xOffset;
        if (!identity) {
          unroller.unroll(x, xOffset, groupChannels, columns);
          b = columns;
          bOffset = 0;
        }
        Gemm.into(
            dtype,
            w,
            group * groupOut * rows,
            b,
            bOffset,
            y,
            (n * outChannels + group * groupOut) * positions,
            groupOut,
            positions,
            rows);
      }
    }
    return result;
  }

  /**
   * The input example that result example {@code n} of {@code group} reads: batch groups take their
   * examples from consecutive blocks of the input batch.
   */
  static int inputExample(Geometry g, int outExamples, int n, int group) {
    return g.batchGroups() > 1 ? group * outExamples + n : n;
  }

  /** The first input channel of {@code group}: feature groups take consecutive blocks of them. */
  static int firstChannel(Geometry g, int groupChannels, int group) {
    return g.featureGroups() > 1 ? group * groupChannels : 0;
  }

  /**
   * The shapes of a 2-D F32 convolution at stride 1 without lhs dilation or negative low padding,
   * for the kernels that copy each (example, group) slice of the input once into a zero-bordered
   * plane {@code [groupChannels, hp, wp]} (the padding made real) and read it in place ({@link
   * DirectConvolution}, {@link WindowDotConvolution}); x {@code [N, C, H, W]}, w {@code [O, C /
   * feature groups, KH, KW]}, y {@code [N / batch groups, O, outH, outW]}, all contiguous.
   */
  record Planes(
      Geometry g,
      int outExamples,
      int filters,
      int outH,
      int outW,
      int channels,
      int inH,
      int inW,
      int groupChannels,
      int kh,
      int kw,
      int hp,
      int wp) {

    /**
     * Whether a convolution fits these planes: F32, two spatial dimensions, stride 1, no lhs
     * dilation and no negative low padding (the kernels add their own conditions).
     */
    static boolean fit(DType dtype, Geometry g, int spatialDims) {
      if (dtype != DType.F32 || spatialDims != 2) {
        return false;
      }
      for (int d = 0; d < 2; d++) {
        if (g.strides()[d] != 1 || g.lhsDilation()[d] != 1 || g.paddingLow()[d] < 0) {
          return false;
        }
      }
      return true;
    }

    static Planes of(int[] xShape, int[] wShape, Geometry g, int[] out) {
      int kh = wShape[2];
      int kw = wShape[3];
      return new Planes(
          g,
          out[0],
          out[1],
          out[2],
          out[3],
          xShape[1],
          xShape[2],
          xShape[3],
          wShape[1],
          kh,
          kw,
          out[2] + g.rhsDilation()[0] * (kh - 1),
          out[3] + g.rhsDilation()[1] * (kw - 1));
    }

    int groups() {
      return g.featureGroups() * g.batchGroups();
    }

    /** The filters of one group. */
    int groupOut() {
      return filters / groups();
    }

    int planeSize() {
      return hp * wp;
    }

    /**
     * Runs {@code kernel} on every (result example, group) slice, each with the slice's channels
     * copied into a zero-bordered plane of {@code groupChannels * hp * wp + slack} floats; the
     * slices are split over threads by {@link Parallelism#forRange} ({@code cost} per slice), and
     * each piece gets its own plane and its own kernel from {@code perThread} (for its scratch).
     */
    void forEachSlice(float[] x, long cost, int slack, Supplier<SliceKernel> perThread) {
      int groups = groups();
      int padTop = g.paddingLow()[0];
      int padLeft = g.paddingLow()[1];
      // the rows and columns of the input inside the padded plane (padding high may crop the input)
      int rowsIn = Math.min(inH, hp - padTop);
      int colsIn = Math.max(0, Math.min(inW, wp - padLeft));
      int inPlane = inH * inW;
      int planeSize = planeSize();
      Parallelism.forRange(
          outExamples * groups,
          cost,
          (from, to) -> {
            // zero once: every slice writes the same interior, so the border stays zero
            float[] plane = new float[groupChannels * planeSize + slack];
            SliceKernel kernel = perThread.get();
            for (int pair = from; pair < to; pair++) {
              int n = pair / groups;
              int group = pair % groups;
              int example = inputExample(g, outExamples, n, group);
              int src = (example * channels + firstChannel(g, groupChannels, group)) * inPlane;
              for (int c = 0; c < groupChannels; c++) {
                for (int r = 0; r < rowsIn; r++) {
                  System.arraycopy(
                      x,
                      src + c * inPlane + r * inW,
                      plane,
                      c * planeSize + (r + padTop) * wp + padLeft,
                      colsIn);
                }
              }
              kernel.compute(plane, n, group);
            }
          });
    }
  }

  /** One plane kernel's work on a slice that {@link Planes#forEachSlice} has copied. */
  @FunctionalInterface
  interface SliceKernel {
    /** Writes result example {@code n}'s filters of {@code group} from its padded plane. */
    void compute(float[] plane, int n, int group);
  }

  /** Everything one patch-layout convolution needs, for the pieces it is split into. */
  private record PatchProblem(
      DType dtype,
      Object x,
      Object w,
      Object y,
      Unroller unroller,
      Geometry g,
      int outExamples,
      int groups,
      int groupChannels,
      int groupOut,
      int rows,
      int positions,
      int channels,
      int inPositions,
      int outChannels) {}

  /**
   * One product per result example and group, {@code y[n, group block, :] = filters · patchesᵀ};
   * the pairs are independent, so they are split over threads, each piece with its own patch
   * buffer.
   */
  private static void patchProducts(PatchProblem q) {
    long cost = (long) q.rows() * q.positions() * Math.max(1, q.groupOut());
    Parallelism.forRange(
        q.outExamples() * q.groups(),
        cost,
        (from, to) -> {
          Object patches = Storage.allocate(q.dtype(), q.rows() * q.positions());
          for (int pair = from; pair < to; pair++) {
            int n = pair / q.groups();
            int group = pair % q.groups();
            int example = inputExample(q.g(), q.outExamples(), n, group);
            int firstChannel = firstChannel(q.g(), q.groupChannels(), group);
            int xOffset = (example * q.channels() + firstChannel) * q.inPositions();
            q.unroller().unrollPatches(q.x(), xOffset, q.groupChannels(), patches);
            RowProducts.into(
                q.dtype(),
                q.w(),
                group * q.groupOut() * q.rows(),
                patches,
                0,
                q.y(),
                (n * q.outChannels() + group * q.groupOut()) * q.positions(),
                q.groupOut(),
                q.positions(),
                q.rows());
          }
        });
  }

  /**
   * Writes the column matrix of one example's group of channels. For each spatial dimension a table
   * maps (window offset, result position) to the input index it reads, or -1 where it reads padding
   * or a hole of the lhs dilation; along the last dimension, without lhs dilation, the valid
   * positions of a window offset form one range read with a constant stride.
   */
  private static final class Unroller {
    private final int[][][] index;
    private final int[] inSize;
    private final int[] window;
    private final int[] outSize;
    private final int[] inStrides;
    private final int[] rangeStart;
    private final int[] rangeEnd;
    private final int lastStride;
    private final boolean lastDense;
    // per result position along the last dimension, the window taps that read the input (dense
    // last dimension only): taps [tapStart, tapEnd) read consecutive input elements
    private final int[] tapStart;
    private final int[] tapEnd;
    private final boolean patchRunsDense;

    Unroller(Geometry g, int[] inSize, int[] window, int[] outSize) {
      this.inSize = inSize;
      this.window = window;
      this.outSize = outSize;
      this.inStrides = Shapes.contiguousStrides(inSize);
      int dims = inSize.length;
      index = new int[dims][][];
      for (int d = 0; d < dims; d++) {
        index[d] = new int[window[d]][outSize[d]];
        int dilatedExtent = (inSize[d] - 1) * g.lhsDilation()[d] + 1;
        for (int k = 0; k < window[d]; k++) {
          for (int o = 0; o < outSize[d]; o++) {
            int q = o * g.strides()[d] + k * g.rhsDilation()[d] - g.paddingLow()[d];
            boolean inside = q >= 0 && q < dilatedExtent && q % g.lhsDilation()[d] == 0;
            index[d][k][o] = inside ? q / g.lhsDilation()[d] : -1;
          }
        }
      }
      int last = dims - 1;
      lastStride = g.strides()[last];
      lastDense = g.lhsDilation()[last] == 1;
      rangeStart = new int[window[last]];
      rangeEnd = new int[window[last]];
      for (int k = 0; k < window[last]; k++) {
        int first = 0;
        while (first < outSize[last] && index[last][k][first] < 0) {
          first++;
        }
        int end = first;
        while (end < outSize[last] && index[last][k][end] >= 0) {
          end++;
        }
        rangeStart[k] = first;
        rangeEnd[k] = end;
      }
      // taps read consecutive elements only when neither dilation spreads them
      boolean tapsDense = lastDense && g.rhsDilation()[last] == 1;
      tapStart = new int[outSize[last]];
      tapEnd = new int[outSize[last]];
      for (int o = 0; o < outSize[last] && tapsDense; o++) {
        int first = 0;
        while (first < window[last] && index[last][first][o] < 0) {
          first++;
        }
        int end = first;
        while (end < window[last] && index[last][end][o] >= 0) {
          end++;
        }
        tapStart[o] = first;
        tapEnd[o] = end;
      }
      patchRunsDense = tapsDense;
    }

    /**
     * Writes the patch matrix {@code [positions, channels * window]} of one example's group of
     * channels: row p holds, channel by channel, the window of result position p in the filters'
     * order, so that a result element is the dot product of a filter row and a patch row.
     */
    void unrollPatches(Object x, int xOffset, int channels, Object patches) {
      int dims = inSize.length;
      int last = dims - 1;
      int outerWindow = Shapes.size(Arrays.copyOf(window, last));
      int outerPositions = Shapes.size(Arrays.copyOf(outSize, last));
      int runLength = window[last];
      int inPositions = Shapes.size(inSize);
      int[] k = new int[dims];
      int[] o = new int[dims];
      int dst = 0;
      for (int p = 0; p < outerPositions; p++) {
        unflatten(p, outSize, last, o);
        for (int ol = 0; ol < outSize[last]; ol++) {
          for (int c = 0; c < channels; c++) {
            int channelOffset = xOffset + c * inPositions;
            for (int kw = 0; kw < outerWindow; kw++) {
              unflatten(kw, window, last, k);
              int base = outerBase(channelOffset, k, o);
              if (base < 0) {
                fill(patches, dst, dst + runLength);
              } else {
                patchRun(x, base, ol, patches, dst);
              }
              dst += runLength;
            }
          }
        }
      }
    }

    /**
     * Where window tap {@code k} of result position {@code o} starts reading in the dimensions
     * before the last (from {@code channelOffset}), or -1 where any of them reads padding or a hole
     * of the lhs dilation.
     */
    private int outerBase(int channelOffset, int[] k, int[] o) {
      int base = channelOffset;
      for (int d = 0; d < inSize.length - 1; d++) {
        int i = index[d][k[d]][o[d]];
        if (i < 0) {
          return -1;
        }
        base += i * inStrides[d];
      }
      return base;
    }

    /** The taps of the last window dimension for result position {@code o} along it. */
    private void patchRun(Object x, int base, int o, Object patches, int dst) {
      int last = inSize.length - 1;
      int runLength = window[last];
      if (!patchRunsDense) {
        for (int k = 0; k < runLength; k++) {
          int i = index[last][k][o];
          copyOrZero(x, i < 0 ? -1 : base + i, patches, dst + k);
        }
        return;
      }
      int from = tapStart[o];
      int to = tapEnd[o];
      fill(patches, dst, dst + from);
      if (to > from) {
        System.arraycopy(x, base + index[last][from][o], patches, dst + from, to - from);
      }
      fill(patches, dst + to, dst + runLength);
    }

    /** A 1x1 window at stride 1 without padding or dilation: the input already is the matrix. */
    boolean isIdentity() {
      for (int d = 0; d < inSize.length; d++) {
        if (window[d] != 1 || outSize[d] != inSize[d]) {
          return false;
        }
        for (int o = 0; o < outSize[d]; o++) {
          if (index[d][0][o] != o) {
            return false;
          }
        }
      }
      return true;
    }

    void unroll(Object x, int xOffset, int channels, Object columns) {
      int dims = inSize.length;
      int last = dims - 1;
      int outerWindow = Shapes.size(Arrays.copyOf(window, last));
      int outerPositions = Shapes.size(Arrays.copyOf(outSize, last));
      int rowLength = outSize[last];
      int inPositions = Shapes.size(inSize);
      int[] k = new int[dims];
      int[] o = new int[dims];
      int dst = 0;
      for (int c = 0; c < channels; c++) {
        int channelOffset = xOffset + c * inPositions;
        for (int kw = 0; kw < outerWindow; kw++) {
          unflatten(kw, window, last, k);
          for (int kl = 0; kl < window[last]; kl++) {
            for (int p = 0; p < outerPositions; p++) {
              unflatten(p, outSize, last, o);
              int base = outerBase(channelOffset, k, o);
              if (base < 0) {
                fill(columns, dst, dst + rowLength);
              } else {
                lastRow(x, base, kl, columns, dst);
              }
              dst += rowLength;
            }
          }
        }
      }
    }

    private void lastRow(Object x, int base, int k, Object columns, int dst) {
      int last = inSize.length - 1;
      int rowLength = outSize[last];
      int[] table = index[last][k];
      if (!lastDense) {
        gather(x, base, table, columns, dst, rowLength);
        return;
      }
      int from = rangeStart[k];
      int to = rangeEnd[k];
      fill(columns, dst, dst + from);
      if (to > from) {
        int src = base + table[from];
        if (lastStride == 1) {
          System.arraycopy(x, src, columns, dst + from, to - from);
        } else {
          stridedCopy(x, src, lastStride, columns, dst + from, to - from);
        }
      }
      fill(columns, dst + to, dst + rowLength);
    }

    /** {@code flat} as a multi-index over the first {@code dims} entries of {@code shape}. */
    private static void unflatten(int flat, int[] shape, int dims, int[] into) {
      for (int d = dims - 1; d >= 0; d--) {
        into[d] = flat % shape[d];
        flat /= shape[d];
      }
    }
  }

  private static void fill(Object a, int from, int to) {
    if (to <= from) {
      return;
    }
    if (a instanceof float[] f) {
      Arrays.fill(f, from, to, 0f);
    } else {
      Arrays.fill((double[]) a, from, to, 0.0);
    }
  }

  /** {@code dst[at] = src[from]}, or zero where {@code from} is negative. */
  private static void copyOrZero(Object src, int from, Object dst, int at) {
    if (src instanceof float[] s) {
      ((float[]) dst)[at] = from < 0 ? 0f : s[from];
    } else {
      ((double[]) dst)[at] = from < 0 ? 0.0 : ((double[]) src)[from];
    }
  }

  private static void stridedCopy(Object src, int from, int stride, Object dst, int at, int n) {
    if (src instanceof float[] s) {
      float[] d = (float[]) dst;
      for (int i = 0; i < n; i++) {
        d[at + i] = s[from + i * stride];
      }
    } else {
      double[] s = (double[]) src;
      double[] d = (double[]) dst;
      for (int i = 0; i < n; i++) {
        d[at + i] = s[from + i * stride];
      }
    }
  }

  private static void gather(Object src, int base, int[] table, Object dst, int at, int n) {
    if (src instanceof float[] s) {
      float[] d = (float[]) dst;
      for (int i = 0; i < n; i++) {
        d[at + i] = table[i] < 0 ? 0f : s[base + table[i]];
      }
    } else {
      double[] s = (double[]) src;
      double[] d = (double[]) dst;
      for (int i = 0; i < n; i++) {
        d[at + i] = table[i] < 0 ? 0.0 : s[base + table[i]];
      }
    }
  }
}
