package org.vmap4j.cpu;

import java.util.List;
import org.vmap4j.DType;
import org.vmap4j.TensorType;
import org.vmap4j.interpreter.Shapes;
import org.vmap4j.kernel.IndexLoad;
import org.vmap4j.kernel.KernelDescription;
import org.vmap4j.kernel.Scatter;
import org.vmap4j.kernel.View;

/**
 * The CPU renderer of {@link Scatter}s (scatter_add): the result starts as a copy of the base
 * input; every index is checked first (as {@link ViewKernels} checks a gather's); then the points
 * of the values' iteration space are visited in row-major order, one row (the last dimension) at a
 * time: the row's target offset (strides, offset, and the index loads read once per row) and the
 * row of values, combined into the result by one generated element-wise loop (the monoid's
 * operation through {@link JavaScalarOps}). Sequential, so repeated indices combine in index order.
 *
 * <p>Rendered as rows: the values must be one input read without steps, and along the last
 * dimension that input and the target must move by one element and the index inputs not at all;
 * {@link #unsupported} says so otherwise (nothing states another scatter yet).
 */
public final class ScatterKernels {
  private ScatterKernels() {}

  /** Why this renderer cannot run {@code s}, or null when it can. */
  public static String unsupported(Scatter s) {
    KernelDescription k = s.values();
    int last = k.shape().length - 1;
    int v = KernelDescription.inputIndex(k.result());
    if (last < 0 || !k.steps().isEmpty() || v < 0) {
      return "scatters are rendered on the CPU as rows of one input, got " + k.describe();
    }
    if (stride(k, v, last) != 1 || s.target().strides()[last] != 1) {
      return "the rows of a scatter's values and target must be contiguous";
    }
    for (IndexLoad l : s.target().indexLoads()) {
      if (stride(k, l.input(), last) != 0) {
        return "a scatter's indices must not move along its rows";
      }
    }
    return null;
  }

  /**
   * Runs {@code s} on {@code inputs} into a new tensor of {@code out}. An eager primitive goes
   * through {@link PreparedKernels}, which keeps {@link #prepare}'s work between calls.
   */
  public static CpuTensor run(Scatter s, CpuTensor[] inputs, TensorType out) {
    return prepare(s, out).run(inputs);
  }

  /**
   * {@code s} checked, with what its rows need from the description alone: the combining loop, the
   * strides of the values, the target and the index inputs over the leading dimensions.
   */
  static PreparedKernel prepare(Scatter s, TensorType out) {
    String why = unsupported(s);
    if (why != null) {
      throw new IllegalArgumentException(why);
    }
    return new Rows(s, out);
  }

  private static final class Rows implements PreparedKernel {
    private final Scatter s;
    private final TensorType out;
    private final int[] shape;
    private final int v;
    private final ElementwiseLoop combine;
    private final List<IndexLoad> loads;
    private final int[][] loadStrides;
    private final int[] loadSteps;
    private final int[] loadViewOffsets;
    private final int[] valueStrides;
    private final int[] targetStrides;

    Rows(Scatter s, TensorType out) {
      this.s = s;
      this.out = out;
      KernelDescription k = s.values();
      shape = k.shape();
      v = KernelDescription.inputIndex(k.result());
      DType t = out.dtype();
      combine =
          ElementwiseKernels.loop(
              JavaScalarOps.render(s.combine().combine(), t, List.of(t, t), List.of("x0", "x1")),
              new DType[] {t, t},
              t);
      loads = s.target().indexLoads();
      int nl = loads.size();
      loadStrides = new int[nl][];
      loadSteps = new int[nl];
      loadViewOffsets = new int[nl];
      for (int l = 0; l < nl; l++) {
        IndexLoad load = loads.get(l);
        View iv = k.views().get(load.input());
        loadStrides[l] = iv.strides();
        loadViewOffsets[l] = iv.offset();
        loadSteps[l] = load.stride();
      }
      valueStrides = strides(k, v);
      targetStrides = s.target().strides();
    }

    @Override
    public CpuTensor run(CpuTensor[] inputs) {
      CpuTensor[] in = new CpuTensor[inputs.length];
      for (int i = 0; i < in.length; i++) {
        in[i] = inputs[i].contiguous();
      }
      for (IndexLoad l : loads) {
        ViewKernels.checkIndices(l, in[l.input()]);
      }
      CpuTensor result = CpuTensor.allocate(out);
      inputs[s.base()].copyInto(result, 0, result.strides());
      int rank = shape.length;
      int q = shape[rank - 1];
      if (Shapes.size(shape) == 0) {
        return result;
      }
      int nl = loads.size();
      int[] loadOffsets = new int[nl];
      Object[] loadData = new Object[nl];
      for (int l = 0; l < nl; l++) {
        int input = loads.get(l).input();
        loadOffsets[l] = in[input].offset() + loadViewOffsets[l];
        loadData[l] = in[input].data();
      }
      int valueBase = in[v].offset() + s.values().views().get(v).offset();
      int targetBase = s.target().offset();
      Object data = result.data();
      Object[] operands = {data, in[v].data()};
      int[] offsets = new int[2];
      int[] c = new int[rank - 1];
      int rows = Shapes.size(shape) / Math.max(1, q);
      for (int row = 0; row < rows; row++) {
        int to = targetBase;
        int from = valueBase;
        for (int d = 0; d < rank - 1; d++) {
          to += c[d] * targetStrides[d];
          from += c[d] * valueStrides[d];
        }
        for (int l = 0; l < nl; l++) {
          int at = loadOffsets[l];
          for (int d = 0; d < rank - 1; d++) {
            at += c[d] * loadStrides[l][d];
          }
          long index = loadData[l] instanceof int[] a ? a[at] : ((long[]) loadData[l])[at];
          to += (int) index * loadSteps[l];
        }
        offsets[0] = to;
        offsets[1] = from;
        combine.run(operands, offsets, data, to, q);
        // the next row: an odometer over the leading dimensions
        for (int d = rank - 2; d >= 0 && ++c[d] == shape[d]; d--) {
          c[d] = 0;
        }
      }
      return result;
    }
  }

  /** Input i's strides over the iteration space (row-major ones for a contiguous view). */
  private static int[] strides(KernelDescription k, int i) {
    View view = k.views().get(i);
    return view.isContiguous() ? Shapes.contiguousStrides(k.shape()) : view.strides();
  }

  private static int stride(KernelDescription k, int i, int d) {
    return strides(k, i)[d];
  }
}
