package org.vmap4j.cpu;

import org.vmap4j.DType;
import org.vmap4j.TensorType;
import org.vmap4j.interpreter.Shapes;
import org.vmap4j.kernel.Monoid;

/**
 * Reductions over a set of axes (sum, max, min), as generated loops (argmax is an {@link
 * org.vmap4j.kernel.IndexReduction}, rendered by {@link IndexReductions}). When the reduced axes
 * lead a contiguous tensor (the batch axis of per-example results, say) whole rows are accumulated
 * so the inner loop runs along memory; otherwise the reduced axes are moved last and each output
 * element reduces one contiguous run.
 */
public final class Reductions {
  private Reductions() {}

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

  private static String source(Monoid op, DType t, boolean interleaved) {
    String et = Storage.javaType(t);
    DType accumulator = JavaScalarOps.accumulator(op, t);
    String at = Storage.javaType(accumulator);
    StringBuilder sb = new StringBuilder();
    sb.append("public void run(Object xo, int off, Object yo, int rows, int length) {\n");
    sb.append(
        String.format(
            "  final %s[] x = (%s[]) xo;%n  final %s[] y = (%s[]) yo;%n", et, et, et, et));
    if (interleaved) {
      sb.append(String.format("  final %s[] acc = new %s[rows];%n", at, at));
      sb.append(
          String.format(
              "  java.util.Arrays.fill(acc, (%s) %s);%n", at, JavaScalarOps.identity(op)));
      sb.append("  for (int j = 0; j < length; j++) {\n");
      sb.append("    final int b = off + j * rows;\n");
      sb.append("    for (int i = 0; i < rows; i++) {\n");
      sb.append("      acc[i] = ")
          .append(JavaScalarOps.combine(op, accumulator, "acc[i]", "x[b + i]"))
          .append(";\n");
      sb.append("    }\n  }\n");
      sb.append(String.format("  for (int i = 0; i < rows; i++) { y[i] = (%s) acc[i]; }%n", et));
    } else {
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
    }
    return sb.append("}\n").toString();
  }
}
