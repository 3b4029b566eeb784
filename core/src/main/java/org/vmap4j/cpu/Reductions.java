package org.vmap4j.cpu;

import java.util.Arrays;
import java.util.List;
import org.vmap4j.DType;
import org.vmap4j.TensorType;
import org.vmap4j.interpreter.Shapes;
import org.vmap4j.kernel.Monoid;

/**
 * Reductions over a set of axes (sum, max, min), as generated loops (argmax is an {@link
 * org.vmap4j.kernel.IndexReduction}, rendered by {@link IndexReductions}). When the reduced axes
 * are consecutive axes of a contiguous tensor that are not last (the batch axis of per-example
 * results, or the time axis of a {@code [B, T, N]} sequence's per-example bias gradient), each
 * block before them accumulates whole rows, so the inner loop runs along memory with no copy;
 * otherwise the reduced axes are moved last and each output element reduces one contiguous run.
 */
public final class Reductions {
  /**
   * Below this many elements per row, a block's rows are too short to run along memory, and a
   * transpose followed by {@link Accumulators}' row loops is used instead.
   */
  private static final int MIN_INTERLEAVED_ROW = 8;

  /** See {@link #vectorRowSums}. */
  private static final boolean VECTOR_ROW_SUMS =
      Gemm.VECTOR_API && !"false".equals(System.getProperty("vmap4j.vectorRowSums"));

  private Reductions() {}

  /** Reduces {@code x} over {@code axes} (sorted, distinct) into a tensor of {@code outType}. */
  public static CpuTensor reduce(CpuTensor x, int[] axes, Monoid op, TensorType outType) {
    int nd = x.ndim();
    int rows = outType.size();
    int length = 1;
    for (int a : axes) {
      length *= x.shape()[a];
    }
    boolean consecutive = axes.length > 0;
    for (int i = 1; i < axes.length; i++) {
      consecutive &= axes[i] == axes[0] + i;
    }
    CpuTensor out = CpuTensor.allocate(outType);
    if (rows == 0) {
      return out;
    }
    int blocks = Shapes.size(Arrays.copyOfRange(x.shape(), 0, consecutive ? axes[0] : 0));
    int inner = rows / blocks;
    if (consecutive
        && axes[axes.length - 1] < nd - 1
        && x.isContiguous()
        && (blocks == 1 || inner >= MIN_INTERLEAVED_ROW)) {
      // [blocks, length, inner] in memory: accumulate each block's rows of inner elements (a
      // transpose of the reduced axes to the back would copy the whole tensor first)
      KernelCompiler.instance(
              List.of("Reductions.interleaved", op, x.dtype()),
              InterleavedReductionLoop.class,
              () -> interleavedSource(op, x.dtype()))
          .run(x.data(), x.offset(), out.data(), blocks, inner, length);
      return out;
    }
    int[] perm = Shapes.concat(Shapes.complement(nd, axes), axes);
    CpuTensor block = x.permuteView(perm).contiguous();
    if (vectorRowSums(op, x.dtype(), length)) {
      VectorRowSums.sum((float[]) block.data(), block.offset(), (float[]) out.data(), rows, length);
      return out;
    }
    KernelCompiler.instance(
            List.of("Reductions.rows", op, x.dtype()),
            ReductionLoop.class,
            () -> source(op, x.dtype()))
        .run(block.data(), block.offset(), out.data(), rows, length);
    return out;
  }

  /**
   * Whether F32 row sums run as {@link VectorRowSums} (bit-identical to {@link #source}'s loop):
   * the JVM has the Vector API, and rows hold at least one group of {@link Accumulators#LANES}.
   * {@code -Dvmap4j.vectorRowSums=false} keeps the generated loop (to measure the difference).
   */
  static boolean vectorRowSums(Monoid op, DType t, int length) {
    return VECTOR_ROW_SUMS
        && op == Monoid.SUM
        && t == DType.F32
        && length >= Accumulators.LANES
        && VectorRowSums.applies();
  }

  /**
   * A generated reduction of {@code blocks} row-major {@code [length, rows]} blocks over their
   * {@code length} axis, block {@code k} into {@code out[k * rows, (k + 1) * rows)}.
   */
  public interface InterleavedReductionLoop {
    void run(Object x, int xOffset, Object out, int blocks, int rows, int length);
  }

  /**
   * Each of {@code rows} contiguous runs of {@code length} elements into one element (the {@link
   * ReductionLoop}; package-private for the tests of {@link VectorRowSums}).
   */
  static String source(Monoid op, DType t) {
    String et = Storage.javaType(t);
    DType accumulator = JavaScalarOps.accumulator(op, t);
    StringBuilder sb = new StringBuilder();
    sb.append("public void run(Object xo, int off, Object yo, int rows, int length) {\n");
    sb.append(
        String.format(
            "  final %s[] x = (%s[]) xo;%n  final %s[] y = (%s[]) yo;%n", et, et, et, et));
    sb.append("  for (int i = 0; i < rows; i++) {\n");
    sb.append("    final int b = off + i * length;\n");
    sb.append(
        Accumulators.rowLoop(
            op,
            accumulator,
            Accumulators.LANES,
            index -> "      final " + et + " v = x[b + " + index + "];\n",
            "v",
            "acc"));
    sb.append(String.format("    y[i] = (%s) acc;%n", et));
    sb.append("  }\n");
    return sb.append("}\n").toString();
  }

  /** The {@link InterleavedReductionLoop}: whole rows accumulated along memory, block by block. */
  private static String interleavedSource(Monoid op, DType t) {
    String et = Storage.javaType(t);
    DType accumulator = JavaScalarOps.accumulator(op, t);
    String at = Storage.javaType(accumulator);
    StringBuilder sb = new StringBuilder();
    sb.append(
        "public void run(Object xo, int off, Object yo, int blocks, int rows, int length) {\n");
    sb.append(
        String.format(
            "  final %s[] x = (%s[]) xo;%n  final %s[] y = (%s[]) yo;%n", et, et, et, et));
    sb.append(String.format("  final %s[] acc = new %s[rows];%n", at, at));
    sb.append("  for (int k = 0; k < blocks; k++) {\n");
    sb.append(
        String.format(
            "    java.util.Arrays.fill(acc, (%s) %s);%n", at, JavaScalarOps.identity(op)));
    sb.append("    for (int j = 0; j < length; j++) {\n");
    sb.append("      final int b = off + (k * length + j) * rows;\n");
    sb.append("      for (int i = 0; i < rows; i++) {\n");
    sb.append("        acc[i] = ")
        .append(JavaScalarOps.combine(op, accumulator, "acc[i]", "x[b + i]"))
        .append(";\n");
    sb.append("      }\n    }\n");
    sb.append(
        String.format(
            "    for (int i = 0; i < rows; i++) { y[k * rows + i] = (%s) acc[i]; }%n", et));
    sb.append("  }\n");
    return sb.append("}\n").toString();
  }
}
