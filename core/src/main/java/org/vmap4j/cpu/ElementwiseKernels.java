package org.vmap4j.cpu;

import java.util.List;
import org.vmap4j.DType;
import org.vmap4j.TensorType;
import org.vmap4j.kernel.ScalarStep;

/**
 * Runs an element-wise expression over tensors of one shape. The expression is Java source over the
 * per-element values {@code x0, x1, ...} (each primitive renders its own); it is compiled into an
 * {@link ElementwiseLoop} once per combination of expression, dtypes and access pattern. Strided
 * inputs are walked row by row; a row input with a stride other than 0 or 1 is first gathered into
 * a scratch row so that every generated loop has unit or zero stride and vectorizes.
 */
public final class ElementwiseKernels {
  private ElementwiseKernels() {}

  /** Evaluates {@code expression} element-wise; all inputs have {@code outType}'s shape. */
  public static CpuTensor apply(String expression, CpuTensor[] inputs, TensorType outType) {
    return apply("", expression, inputs, outType);
  }

  /**
   * As {@link #apply(String, CpuTensor[], TensorType)}, with Java statements run per element before
   * the expression is computed (temporaries of a fused kernel, each computed once).
   */
  public static CpuTensor apply(
      String statements, String expression, CpuTensor[] inputs, TensorType outType) {
    return apply(null, statements, expression, inputs, outType);
  }

  /**
   * As {@link #apply(String, String, CpuTensor[], TensorType)} for a fused kernel whose graph is
   * {@code steps} (rendered as {@code statements}) and result {@code result}: where the graph has
   * Vector API forms for every step, it runs as a vector loop ({@link VectorKernels}).
   */
  public static CpuTensor applyFused(
      List<ScalarStep> steps,
      String statements,
      String result,
      CpuTensor[] inputs,
      TensorType outType) {
    return apply(steps, statements, result, inputs, outType);
  }

  private static CpuTensor apply(
      List<ScalarStep> steps,
      String statements,
      String expression,
      CpuTensor[] inputs,
      TensorType outType) {
    // the loops below write every element of the row-major result
    CpuTensor out = CpuTensor.allocateForOverwrite(outType);
    if (outType.size() == 0) {
      return out;
    }
    int k = inputs.length;
    int[][] strides = new int[k + 1][];
    int[] base = new int[k + 1];
    for (int i = 0; i < k; i++) {
      strides[i] = inputs[i].strides();
      base[i] = inputs[i].offset();
    }
    strides[k] = out.strides();
    Strided.Layout layout = Strided.coalesce(outType.shape(), strides);

    boolean[] broadcast = new boolean[k];
    boolean[] gather = new boolean[k];
    DType[] dtypes = new DType[k];
    Object[] arrays = new Object[k];
    for (int i = 0; i < k; i++) {
      int s = layout.innerStride(i);
      broadcast[i] = s == 0;
      gather[i] = s != 0 && s != 1;
      dtypes[i] = inputs[i].dtype();
      arrays[i] = inputs[i].data();
    }
    boolean anyGather = false;
    for (boolean g : gather) {
      anyGather |= g;
    }
    if (layout.shape().length == 2 && !anyGather) {
      // many short rows (per-example vectors): one kernel call walks all of them
      return applyRows(steps, statements, expression, inputs, layout, base, broadcast, dtypes, out);
    }
    ElementwiseLoop vector =
        steps == null || !VectorKernels.ENABLED || outType.size() < VectorKernels.MIN_ELEMENTS
            ? null
            : VectorKernels.compiledLoop(
                steps, expression, statements, dtypes, broadcast, outType.dtype());
    ElementwiseLoop loop =
        vector != null
            ? vector
            : KernelCompiler.instance(
                source(statements, expression, dtypes, broadcast, outType.dtype()),
                ElementwiseLoop.class);

    int rowLength = layout.shape().length == 0 ? 1 : layout.shape()[layout.shape().length - 1];
    Object[] rowArrays = arrays.clone();
    int[] rowOffsets = new int[k];
    for (int i = 0; i < k; i++) {
      if (gather[i]) {
        rowArrays[i] = Storage.allocate(dtypes[i], rowLength);
      }
    }
    Object outData = out.data();
    if (layout.shape().length == 1 && !anyGather) {
      // one long row: split it over threads; a broadcast input keeps its single offset
      Parallelism.forRange(
          rowLength,
          1,
          (from, to) -> {
            int[] offsets = new int[k];
            for (int i = 0; i < k; i++) {
              offsets[i] = base[i] + (broadcast[i] ? 0 : from);
            }
            loop.run(arrays, offsets, outData, base[k] + from, to - from);
          });
      return out;
    }
    Strided.forEachRow(
        layout,
        base,
        (off, n) -> {
          for (int i = 0; i < k; i++) {
            if (gather[i]) {
              Strided.copyRow(arrays[i], off[i], layout.innerStride(i), rowArrays[i], 0, 1, n);
              rowOffsets[i] = 0;
            } else {
              rowOffsets[i] = off[i];
            }
          }
          loop.run(rowArrays, rowOffsets, outData, off[k], n);
        });
    return out;
  }

  /**
   * A generated loop over a 2-D layout: rows with per-input row strides, columns of stride 0 or 1.
   */
  public interface RowsLoop {
    /** Rows {@code [rowFrom, rowTo)}. */
    void run(
        Object[] inputs,
        int[] offsets,
        int[] rowStrides,
        Object out,
        int rowFrom,
        int rowTo,
        int cols);
  }

  private static CpuTensor applyRows(
      List<ScalarStep> steps,
      String statements,
      String expression,
      CpuTensor[] inputs,
      Strided.Layout layout,
      int[] base,
      boolean[] broadcast,
      DType[] dtypes,
      CpuTensor out) {
    int k = inputs.length;
    Object[] arrays = new Object[k];
    int[] rowStrides = new int[k];
    for (int i = 0; i < k; i++) {
      arrays[i] = inputs[i].data();
      rowStrides[i] = layout.strides()[i][0];
    }
    RowsLoop vector =
        steps == null
                || !VectorKernels.ENABLED
                || out.type().size() < VectorKernels.MIN_ELEMENTS
                || layout.shape()[1] < VectorKernels.MIN_ROW
            ? null
            : VectorKernels.compiledRows(
                steps, expression, statements, dtypes, broadcast, out.dtype());
    RowsLoop loop =
        vector != null
            ? vector
            : KernelCompiler.instance(
                rowsSource(statements, expression, dtypes, broadcast, out.dtype()), RowsLoop.class);
    int[] offsets = java.util.Arrays.copyOf(base, k);
    int cols = layout.shape()[1];
    Object data = out.data();
    Parallelism.forRange(
        layout.shape()[0],
        cols,
        (from, to) -> loop.run(arrays, offsets, rowStrides, data, from, to, cols));
    return out;
  }

  static String rowsSource(
      String statements, String expression, DType[] dtypes, boolean[] broadcast, DType outType) {
    StringBuilder sb = new StringBuilder();
    sb.append(
        "public void run(Object[] in, int[] off, int[] rs, Object out, int rowFrom, int rowTo,"
            + " int cols) {\n");
    StringBuilder perElement = new StringBuilder();
    StringBuilder perRow = new StringBuilder();
    for (int i = 0; i < dtypes.length; i++) {
      String t = Storage.javaType(dtypes[i]);
      sb.append(String.format("  final %s[] a%d = (%s[]) in[%d];%n", t, i, t, i));
      perRow.append(String.format("    final int b%d = off[%d] + r * rs[%d];%n", i, i, i));
      if (broadcast[i]) {
        perRow.append(String.format("    final %s x%d = a%d[b%d];%n", t, i, i, i));
      } else {
        perElement.append(String.format("      final %s x%d = a%d[b%d + j];%n", t, i, i, i));
      }
    }
    String ot = Storage.javaType(outType);
    sb.append(String.format("  final %s[] y = (%s[]) out;%n", ot, ot));
    sb.append("  for (int r = rowFrom; r < rowTo; r++) {\n").append(perRow);
    sb.append("    final int o = r * cols;\n");
    sb.append("    for (int j = 0; j < cols; j++) {\n").append(perElement).append(statements);
    sb.append("      y[o + j] = ").append(expression).append(";\n");
    sb.append("    }\n  }\n}\n");
    return sb.toString();
  }

  /** The compiled loop for {@code expression} with every input read as a row (no broadcast). */
  public static ElementwiseLoop loop(String expression, DType[] dtypes, DType outType) {
    return KernelCompiler.instance(
        source("", expression, dtypes, new boolean[dtypes.length], outType), ElementwiseLoop.class);
  }

  static String source(
      String statements, String expression, DType[] dtypes, boolean[] broadcast, DType outType) {
    return scalarLoop(
        "public void run(Object[] in, int[] off, Object out, int outOff, int n)",
        "0",
        "n",
        statements,
        expression,
        dtypes,
        broadcast,
        outType);
  }

  /**
   * A method {@code header} (with parameters {@code in, off, out, outOff} as {@link
   * ElementwiseLoop#run}) computing elements {@code [from, to)} one at a time: the scalar kernel,
   * and the tail of a vector one.
   */
  static String scalarLoop(
      String header,
      String from,
      String to,
      String statements,
      String expression,
      DType[] dtypes,
      boolean[] broadcast,
      DType outType) {
    StringBuilder sb = new StringBuilder();
    sb.append(header).append(" {\n");
    StringBuilder perElement = new StringBuilder();
    for (int i = 0; i < dtypes.length; i++) {
      String t = Storage.javaType(dtypes[i]);
      if (broadcast[i]) {
        sb.append(String.format("  final %s x%d = ((%s[]) in[%d])[off[%d]];%n", t, i, t, i, i));
      } else {
        sb.append(String.format("  final %s[] a%d = (%s[]) in[%d];%n", t, i, t, i));
        sb.append(String.format("  final int o%d = off[%d];%n", i, i));
        perElement.append(String.format("    final %s x%d = a%d[o%d + i];%n", t, i, i, i));
      }
    }
    String ot = Storage.javaType(outType);
    sb.append(String.format("  final %s[] y = (%s[]) out;%n", ot, ot));
    sb.append("  for (int i = ").append(from).append("; i < ").append(to).append("; i++) {\n");
    sb.append(perElement);
    sb.append(statements);
    sb.append("    y[outOff + i] = ").append(expression).append(";\n");
    sb.append("  }\n}\n");
    return sb.toString();
  }
}
