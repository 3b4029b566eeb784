package org.vmap4j.cpu;

import org.vmap4j.DType;
import org.vmap4j.core.Shapes;
import org.vmap4j.core.TensorType;

/**
 * Reductions over a set of axes (sum, max, min) and argmax along one axis, as generated loops. When
 * the reduced axes lead a contiguous tensor (the batch axis of per-example results, say) whole rows
 * are accumulated so the inner loop runs along memory; otherwise the reduced axes are moved last
 * and each output element reduces one contiguous run.
 */
public final class Reductions {
  private Reductions() {}

  /** The combining operation of a reduction; renders its Java pieces for an element type. */
  public enum Monoid {
    SUM,
    MAX,
    MIN;

    public String init(DType t) {
      return switch (this) {
        case SUM -> "0";
        case MAX ->
            switch (t) {
              case F64, F32 -> "Double.NEGATIVE_INFINITY";
              case I32 -> "Integer.MIN_VALUE";
              default -> "Long.MIN_VALUE";
            };
        case MIN ->
            switch (t) {
              case F64, F32 -> "Double.POSITIVE_INFINITY";
              case I32 -> "Integer.MAX_VALUE";
              default -> "Long.MAX_VALUE";
            };
      };
    }

    public String combine(String acc, String v) {
      return switch (this) {
        case SUM -> acc + " + " + v;
        case MAX -> "Math.max(" + acc + ", " + v + ")";
        case MIN -> "Math.min(" + acc + ", " + v + ")";
      };
    }

    /** Accumulate F32 sums in double: float accumulation loses digits over long rows. */
    public DType accumulator(DType t) {
      return this == SUM && t == DType.F32 ? DType.F64 : t;
    }
  }

  /** Reduces {@code x} over {@code axes} (sorted, distinct) into a tensor of {@code outType}. */
  public static CpuTensor reduce(CpuTensor x, int[] axes, Monoid op, TensorType outType) {
    int nd = x.ndim();
    int rows = outType.size();
    int length = 1;
    for (int a : axes) {
      length *= x.shape()[a];
    }
    boolean leading = true;
    for (int i = 0; i < axes.length; i++) {
      leading &= axes[i] == i;
    }
    CpuTensor out = CpuTensor.allocate(outType);
    if (rows == 0) {
      return out;
    }
    boolean interleaved = leading && x.isContiguous() && axes.length > 0;
    CpuTensor block;
    if (interleaved) {
      block = x;
    } else {
      int[] perm = Shapes.concat(Shapes.complement(nd, axes), axes);
      block = x.permuteView(perm).contiguous();
    }
    String src = source(op, x.dtype(), interleaved);
    KernelCompiler.instance(src, ReductionLoop.class)
        .run(block.data(), block.offset(), out.data(), rows, length);
    return out;
  }

  /** Index of the first maximum along {@code axis} (NaN counts as the maximum), as I64. */
  public static CpuTensor argmax(CpuTensor x, int axis, TensorType outType) {
    int nd = x.ndim();
    int[] perm = Shapes.concat(Shapes.complement(nd, new int[] {axis}), new int[] {axis});
    CpuTensor block = x.permuteView(perm).contiguous();
    CpuTensor out = CpuTensor.allocate(outType);
    if (outType.size() > 0) {
      KernelCompiler.instance(argmaxSource(x.dtype()), ReductionLoop.class)
          .run(block.data(), block.offset(), out.data(), outType.size(), x.shape()[axis]);
    }
    return out;
  }

  private static String source(Monoid op, DType t, boolean interleaved) {
    String et = Storage.javaType(t);
    String at = Storage.javaType(op.accumulator(t));
    StringBuilder sb = new StringBuilder();
    sb.append("public void run(Object xo, int off, Object yo, int rows, int length) {\n");
    sb.append(
        String.format(
            "  final %s[] x = (%s[]) xo;%n  final %s[] y = (%s[]) yo;%n", et, et, et, et));
    if (interleaved) {
      sb.append(String.format("  final %s[] acc = new %s[rows];%n", at, at));
      sb.append(String.format("  java.util.Arrays.fill(acc, (%s) %s);%n", at, op.init(t)));
      sb.append("  for (int j = 0; j < length; j++) {\n");
      sb.append("    final int b = off + j * rows;\n");
      sb.append("    for (int i = 0; i < rows; i++) {\n");
      sb.append("      acc[i] = ").append(op.combine("acc[i]", "x[b + i]")).append(";\n");
      sb.append("    }\n  }\n");
      sb.append(String.format("  for (int i = 0; i < rows; i++) { y[i] = (%s) acc[i]; }%n", et));
    } else {
      sb.append("  for (int i = 0; i < rows; i++) {\n");
      sb.append(String.format("    %s acc = (%s) %s;%n", at, at, op.init(t)));
      sb.append("    final int b = off + i * length;\n");
      sb.append("    for (int j = 0; j < length; j++) {\n");
      sb.append("      acc = ").append(op.combine("acc", "x[b + j]")).append(";\n");
      sb.append("    }\n");
      sb.append(String.format("    y[i] = (%s) acc;%n", et));
      sb.append("  }\n");
    }
    return sb.append("}\n").toString();
  }

  private static String argmaxSource(DType t) {
    String et = Storage.javaType(t);
    return String.format(
        """
        public void run(Object xo, int off, Object yo, int rows, int length) {
          final %s[] x = (%s[]) xo;
          final long[] y = (long[]) yo;
          for (int i = 0; i < rows; i++) {
            final int b = off + i * length;
            %s best = x[b];
            long at = 0;
            for (int j = 1; j < length; j++) {
              final %s v = x[b + j];
              if (best == best && (v > best || v != v)) {
                best = v;
                at = j;
              }
            }
            y[i] = at;
          }
        }
        """,
        et, et, et, et);
  }
}
