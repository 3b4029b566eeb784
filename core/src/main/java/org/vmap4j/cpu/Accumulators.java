package org.vmap4j.cpu;

import org.vmap4j.DType;
import org.vmap4j.kernel.Monoid;

/**
 * The inner loop of a row reduction, as Java source, with several independent accumulators. With
 * one accumulator every element waits for the previous addition (HotSpot keeps floating-point sums
 * in program order: it neither vectorizes nor reorders them): about 0.9 ns an element here, more
 * than an element-wise pass that reads and writes the same data. With {@link #LANES} accumulators,
 * element {@code j} goes to accumulator {@code j % LANES} (the tail to the first) and the partial
 * results are combined pairwise at the end, so the additions overlap (about 0.4 ns an element).
 * Exact for max, min and integer sums; a floating-point sum is reassociated (F32 sums are still
 * accumulated in F64), which can change it in the last bits.
 */
final class Accumulators {
  private Accumulators() {}

  /** How many independent accumulators a row gets. */
  static final int LANES = 8;

  /** The statements that compute the value of element {@code j} of a row. */
  interface RowBody {
    /**
     * Java statements declaring whatever {@code value} reads, with the element's index within its
     * row given as the Java expression {@code index}.
     */
    String at(String index);
  }

  /**
   * Declares {@code result} (of the accumulator type) and reduces {@code value} over {@code j} in
   * {@code [0, length)} into it, with {@code lanes} accumulators (1: one sequential chain).
   */
  static String rowLoop(
      Monoid monoid, DType accumulator, int lanes, RowBody body, String value, String result) {
    String at = Storage.javaType(accumulator);
    String identity = JavaScalarOps.identity(monoid);
    StringBuilder sb = new StringBuilder();
    for (int k = 0; k < lanes; k++) {
      sb.append(String.format("    %s %s%d = (%s) %s;%n", at, result, k, at, identity));
    }
    sb.append("    int j = 0;\n");
    if (lanes > 1) {
      sb.append(String.format("    for (; j <= length - %d; j += %d) {%n", lanes, lanes));
      for (int k = 0; k < lanes; k++) {
        String index = k == 0 ? "j" : "(j + " + k + ")";
        sb.append("     {\n").append(body.at(index));
        sb.append(accumulate(monoid, accumulator, result + k, value)).append("     }\n");
      }
      sb.append("    }\n");
    }
    sb.append("    for (; j < length; j++) {\n").append(body.at("j"));
    sb.append(accumulate(monoid, accumulator, result + 0, value)).append("    }\n");
    sb.append(
        String.format(
            "    final %s %s = %s;%n", at, result, tree(monoid, accumulator, result, 0, lanes)));
    return sb.toString();
  }

  private static String accumulate(Monoid monoid, DType accumulator, String acc, String value) {
    return "      " + acc + " = " + JavaScalarOps.combine(monoid, accumulator, acc, value) + ";\n";
  }

  /** The partial results {@code from..to-1} combined pairwise. */
  private static String tree(Monoid monoid, DType accumulator, String result, int from, int to) {
    if (to - from == 1) {
      return result + from;
    }
    int mid = (from + to) / 2;
    return JavaScalarOps.combine(
        monoid,
        accumulator,
        tree(monoid, accumulator, result, from, mid),
        tree(monoid, accumulator, result, mid, to));
  }
}
