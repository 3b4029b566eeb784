package org.vmap4j.cpu;

import org.vmap4j.DType;
import org.vmap4j.TensorType;
import org.vmap4j.interpreter.Shapes;
import org.vmap4j.kernel.Monoid;

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
