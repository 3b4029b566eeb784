package org.vmap4j.cpu;

import java.util.List;
import org.vmap4j.DType;
import org.vmap4j.TensorType;
import org.vmap4j.interpreter.Shapes;
import org.vmap4j.kernel.KernelDescription;
import org.vmap4j.kernel.Monoid;
import org.vmap4j.kernel.ScalarStep;

/**
 * A fused map-reduce: an element-wise computation over inputs of one shape, reduced over that
 * shape's trailing dimensions in the same loop, so the element-wise result never reaches memory.
 * Each input must be addressable as {@code offset + row * rowStride + j * innerStride} with an
 * inner stride of 0 or 1 (a contiguous input, or one broadcast along rows, columns or both); others
 * are made contiguous first.
 */
public final class FusedReductions {
  private FusedReductions() {}

  /**
   * Longest element-wise body (in characters of Java) that is unrolled over {@link
   * Accumulators#LANES} accumulators. The body is then written LANES + 1 times, and HotSpot leaves
   * a method of more than 8000 bytes of bytecode to the interpreter: a long body keeps one chain.
   */
  private static final int MAX_UNROLLED_STATEMENTS = 1500;

  /** Generated loop: see the class comment. */
  public interface Loop {
    /** Rows {@code [rowFrom, rowTo)}. */
    void run(
        Object[] inputs,
        int[] offsets,
        int[] rowStrides,
        Object out,
        int rowFrom,
        int rowTo,
        int length);
  }

  /**
   * Reduces {@code expression} (over per-element values x0, x1, ... after {@code statements}) over
   * the last {@code reduced} dimensions of {@code shape}.
   */
  public static CpuTensor apply(
      String statements,
      String expression,
      DType expressionType,
      CpuTensor[] inputs,
      int[] shape,
      int reduced,
      Monoid monoid,
      TensorType outType) {
    return applyFused(
        List.of(), statements, expression, expressionType, inputs, shape, reduced, monoid, outType);
  }

  /**
   * As {@link #apply}, for a fused kernel whose graph is {@code steps} (rendered as {@code
   * statements}): an F32 sum of one row's values negated, or of the product of two rows, runs as
   * {@link VectorRowSums} (bit-identical to the generated loop).
   */
  public static CpuTensor applyFused(
      List<ScalarStep> steps,
      String statements,
      String expression,
      DType expressionType,
      CpuTensor[] inputs,
      int[] shape,
      int reduced,
      Monoid monoid,
      TensorType outType) {
    int keptRank = shape.length - reduced;
    int[] keptShape = Shapes.select(shape, Shapes.range(0, keptRank));
    int[] reducedShape = Shapes.select(shape, Shapes.range(keptRank, shape.length));
    int rows = Shapes.size(keptShape);
    int length = Shapes.size(reducedShape);
    CpuTensor out = CpuTensor.allocate(outType);
    if (rows == 0) {
      return out;
    }
    int k = inputs.length;
    Object[] arrays = new Object[k];
    int[] offsets = new int[k];
    int[] rowStrides = new int[k];
    boolean[] broadcastInner = new boolean[k];
    DType[] dtypes = new DType[k];
    for (int i = 0; i < k; i++) {
      CpuTensor x = inputs[i];
      int[] st = x.strides();
      int[] keptStride = coalescedStride(keptShape, Shapes.select(st, Shapes.range(0, keptRank)));
      int[] innerStride =
          coalescedStride(reducedShape, Shapes.select(st, Shapes.range(keptRank, shape.length)));
      if (keptStride == null
          || innerStride == null
          || (innerStride[0] != 0 && innerStride[0] != 1)) {
        x = x.contiguous();
        keptStride = new int[] {length};
        innerStride = new int[] {1};
      }
      arrays[i] = x.data();
      offsets[i] = x.offset();
      rowStrides[i] = keptStride[0];
      broadcastInner[i] = innerStride[0] == 0;
      dtypes[i] = x.dtype();
    }
    VectorRowSums.Term term =
        vectorTerm(steps, expression, monoid, dtypes, broadcastInner, outType.dtype(), length);
    if (term != null) {
      ScalarStep step = steps.get(0);
      int a = KernelDescription.inputIndex(step.operands().get(0));
      int b = KernelDescription.inputIndex(step.operands().get(step.operands().size() - 1));
      float[] y = (float[]) out.data();
      Parallelism.forRange(
          rows,
          length,
          (from, to) ->
              VectorRowSums.sum(
                  term,
                  (float[]) arrays[a],
                  offsets[a],
                  rowStrides[a],
                  (float[]) arrays[b],
                  offsets[b],
                  rowStrides[b],
                  y,
                  from,
                  to,
                  length));
      return out;
    }
    String src =
        source(
            statements,
            expression,
            expressionType,
            dtypes,
            broadcastInner,
            monoid,
            outType.dtype());
    Loop loop = KernelCompiler.instance(src, Loop.class);
    Object data = out.data();
    Parallelism.forRange(
        rows, length, (from, to) -> loop.run(arrays, offsets, rowStrides, data, from, to, length));
    return out;
  }

  /**
   * The {@link VectorRowSums} term of a fused F32 sum whose graph is one step over inputs read
   * along their rows ({@code -x_i}, or {@code x_i * x_j}), or null: other graphs, dtypes and
   * broadcasts run the generated loop. Rows shorter than one group of {@link Accumulators#LANES} do
   * too.
   */
  private static VectorRowSums.Term vectorTerm(
      List<ScalarStep> steps,
      String expression,
      Monoid monoid,
      DType[] dtypes,
      boolean[] broadcastInner,
      DType outType,
      int length) {
    if (steps.size() != 1
        || monoid != Monoid.SUM
        || outType != DType.F32
        || length < Accumulators.LANES
        || !Reductions.vectorRowSums(monoid, outType, length)) {
      return null;
    }
    ScalarStep step = steps.get(0);
    if (!step.name().equals(expression) || step.dtype() != DType.F32) {
      return null;
    }
    for (String operand : step.operands()) {
      int i = KernelDescription.inputIndex(operand);
      if (i < 0 || dtypes[i] != DType.F32 || broadcastInner[i]) {
        return null;
      }
    }
    return switch (step.op()) {
      case NEG -> VectorRowSums.Term.NEGATED;
      case MUL -> VectorRowSums.Term.PRODUCT;
      default -> null;
    };
  }

  /** The single stride of dimensions that merge into one (0 when they are all size 1), or null. */
  private static int[] coalescedStride(int[] shape, int[] strides) {
    Strided.Layout l = Strided.coalesce(shape, new int[][] {strides});
    if (l.shape().length == 0) {
      return new int[] {0};
    }
    return l.shape().length == 1 ? new int[] {l.strides()[0][0]} : null;
  }

  private static String source(
      String statements,
      String expression,
      DType expressionType,
      DType[] dtypes,
      boolean[] broadcastInner,
      Monoid monoid,
      DType outType) {
    DType accumulator = JavaScalarOps.accumulator(monoid, expressionType);
    StringBuilder sb = new StringBuilder();
    sb.append(
        "public void run(Object[] in, int[] off, int[] rs, Object out, int rowFrom, int rowTo,"
            + " int length) {\n");
    for (int i = 0; i < dtypes.length; i++) {
      String t = Storage.javaType(dtypes[i]);
      sb.append(String.format("  final %s[] a%d = (%s[]) in[%d];%n", t, i, t, i));
    }
    String ot = Storage.javaType(outType);
    sb.append(String.format("  final %s[] y = (%s[]) out;%n", ot, ot));
    sb.append("  for (int r = rowFrom; r < rowTo; r++) {\n");
    for (int i = 0; i < dtypes.length; i++) {
      sb.append(String.format("    final int b%d = off[%d] + r * rs[%d];%n", i, i, i));
    }
    int lanes = statements.length() <= MAX_UNROLLED_STATEMENTS ? Accumulators.LANES : 1;
    Accumulators.RowBody body =
        lane -> {
          StringBuilder e = new StringBuilder();
          for (int i = 0; i < dtypes.length; i++) {
            String index = broadcastInner[i] ? "b" + i : "b" + i + " + " + lane;
            e.append(
                String.format(
                    "      final %s x%d = a%d[%s];%n", Storage.javaType(dtypes[i]), i, i, index));
          }
          return e.append(statements).toString();
        };
    sb.append(
        Accumulators.rowLoop(monoid, accumulator, lanes, body, "(" + expression + ")", "acc"));
    sb.append(String.format("    y[r] = (%s) acc;%n", ot));
    sb.append("  }\n}\n");
    return sb.toString();
  }
}
