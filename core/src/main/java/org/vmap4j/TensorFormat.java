package org.vmap4j;

import org.vmap4j.cpu.CpuTensor;
import org.vmap4j.interpreter.Tracer;

/**
 * NumPy-style text for a tensor: nested brackets, one aligned column width, and only the first and
 * last {@value #EDGE} entries of each dimension once a tensor has more than {@value #THRESHOLD}
 * elements.
 */
final class TensorFormat {
  static final int THRESHOLD = 1000;
  static final int EDGE = 3;

  private TensorFormat() {}

  static String format(Tensor t) {
    if (t instanceof Tracer tracer) {
      return "Tracer(" + tracer.trace().main() + ", " + t.type() + ")";
    }
    CpuTensor c = (CpuTensor) t;
    boolean summarize = c.size() > THRESHOLD;
    int[] shape = c.shape();
    int width = 0;
    int n = c.size();
    for (int i = 0; i < n; i++) {
      if (!summarize || shown(i, shape)) {
        width = Math.max(width, element(c, i).length());
      }
    }
    StringBuilder sb = new StringBuilder("tensor(");
    String indent = " ".repeat("tensor(".length());
    appendBlock(sb, c, shape, 0, 0, width, summarize, indent);
    return sb.append(", dtype=").append(c.dtype()).append(')').toString();
  }

  /** Whether the flat index falls in the shown (edge) part of every dimension. */
  private static boolean shown(int flat, int[] shape) {
    for (int d = shape.length - 1; d >= 0; d--) {
      int i = flat % shape[d];
      flat /= shape[d];
      if (shape[d] > 2 * EDGE && i >= EDGE && i < shape[d] - EDGE) {
        return false;
      }
    }
    return true;
  }

  private static void appendBlock(
      StringBuilder sb,
      CpuTensor c,
      int[] shape,
      int dim,
      int base,
      int width,
      boolean summarize,
      String indent) {
    if (dim == shape.length) {
      String s = element(c, base);
      sb.append(" ".repeat(width - s.length())).append(s);
      return;
    }
    int stride = 1;
    for (int d = dim + 1; d < shape.length; d++) {
      stride *= shape[d];
    }
    sb.append('[');
    int n = shape[dim];
    boolean cut = summarize && n > 2 * EDGE;
    String separator = dim == shape.length - 1 ? ", " : "," + "\n".repeat(shape.length - dim - 1);
    for (int i = 0; i < n; i++) {
      if (cut && i == EDGE) {
        sb.append("...").append(separator);
        if (dim < shape.length - 1) {
          sb.append(indent).append(" ".repeat(dim + 1));
        }
        i = n - EDGE;
      }
      appendBlock(sb, c, shape, dim + 1, base + i * stride, width, summarize, indent);
      if (i < n - 1) {
        sb.append(separator);
        if (dim < shape.length - 1) {
          sb.append(indent).append(" ".repeat(dim + 1));
        }
      }
    }
    sb.append(']');
  }

  private static String element(CpuTensor c, int flat) {
    return switch (c.dtype()) {
      case BOOL -> c.getDouble(flat) != 0 ? "true" : "false";
      case I32, I64 -> Long.toString(c.getLong(flat));
      case F32 -> number(c.getDouble(flat), 7);
      case F64 -> number(c.getDouble(flat), 8);
    };
  }

  /** Up to {@code digits} significant digits, without trailing zeros; integral values as "2.". */
  private static String number(double v, int digits) {
    if (Double.isNaN(v)) {
      return "nan";
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? "inf" : "-inf";
    }
    if (v == Math.rint(v) && Math.abs(v) < 1e16) {
      return (long) v + ".";
    }
    double a = Math.abs(v);
    String s =
        a >= 1e-4 && a < 1e16
            ? new java.math.BigDecimal(v)
                .round(new java.math.MathContext(digits))
                .stripTrailingZeros()
                .toPlainString()
            : String.format("%." + (digits - 1) + "e", v);
    return s;
  }
}
