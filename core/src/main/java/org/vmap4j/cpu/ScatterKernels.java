package org.vmap4j.cpu;

import java.util.Arrays;
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
    if (last < 0 || !k.steps().isEmpty() || !k.result().startsWith("x")) {
      return "scatters are rendered on the CPU as rows of one input, got " + k.describe();
    }
    int v = Integer.parseInt(k.result().substring(1));
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

  /** Runs {@code s} on {@code inputs} into a new tensor of {@code out}. */
  public static CpuTensor run(Scatter s, CpuTensor[] inputs, TensorType out) {
    String why = unsupported(s);
    if (why != null) {
      throw new IllegalArgumentException(why);
    }
    KernelDescription k = s.values();
    CpuTensor[] in = new CpuTensor[inputs.length];
    for (int i = 0; i < in.length; i++) {
      in[i] =
          Arrays.equals(inputs[i].strides(), Shapes.contiguousStrides(inputs[i].shape()))
              ? inputs[i]
              : inputs[i].contiguous();
    }
    View target = s.target();
    for (IndexLoad l : target.indexLoads()) {
      ViewKernels.checkIndices(l, in[l.input()]);
    }
    CpuTensor result = CpuTensor.allocate(out);
    inputs[s.base()].copyInto(result, 0, result.strides());
    int[] shape = k.shape();
    int rank = shape.length;
    int q = shape[rank - 1];
    if (Shapes.size(shape) == 0) {
      return result;
    }
    int v = Integer.parseInt(k.result().substring(1));
    DType t = out.dtype();
    ElementwiseLoop combine =
        ElementwiseKernels.loop(
            JavaScalarOps.render(s.combine().combine(), t, List.of(t, t), List.of("x0", "x1")),
            new DType[] {t, t},
            t);
    List<IndexLoad> loads = target.indexLoads();
    int nl = loads.size();
    int[][] loadStrides = new int[nl][];
    int[] loadOffsets = new int[nl];
    int[] loadSteps = new int[nl];
    Object[] loadData = new Object[nl];
    for (int l = 0; l < nl; l++) {
      IndexLoad load = loads.get(l);
      View iv = k.views().get(load.input());
      loadStrides[l] = iv.strides();
      loadOffsets[l] = in[load.input()].offset() + iv.offset();
      loadSteps[l] = load.stride();
      loadData[l] = in[load.input()].data();
    }
    int[] valueStrides = strides(k, v);
    int[] targetStrides = target.strides();
    int valueBase = in[v].offset() + k.views().get(v).offset();
    int targetBase = target.offset();
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

  /** Input i's strides over the iteration space (row-major ones for a contiguous view). */
  private static int[] strides(KernelDescription k, int i) {
    View view = k.views().get(i);
    return view.isContiguous() ? Shapes.contiguousStrides(k.shape()) : view.strides();
  }

  private static int stride(KernelDescription k, int i, int d) {
    return strides(k, i)[d];
  }
}
