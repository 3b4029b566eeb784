package org.vmap4j.kernel;

import org.vmap4j.DType;

/**
 * A kernel whose result is a position: {@code values} (an element-wise kernel without a reduction,
 * its inputs read through their views) computes a value at each point of its shape {@code [...,
 * n]}; for each point of the leading dimensions the result is the I64 index along the last
 * dimension that {@code monoid} picks among the n values (argmax: the first maximum). The result is
 * a row-major array of {@code values.outputShape()} without its last dimension.
 */
public record IndexReduction(KernelDescription values, IndexMonoid monoid) {
  public IndexReduction {
    if (values.reduce() != null || values.shape().length == 0) {
      throw new IllegalArgumentException(
          "an index reduction reads the values of an element-wise kernel of rank >= 1, got "
              + values.describe());
    }
    if (values.resultType() == DType.BOOL) {
      throw new IllegalArgumentException("an index reduction compares numbers, got bool values");
    }
  }

  /** The number of values each result picks from (the last dimension). */
  public int length() {
    int[] s = values.shape();
    return s[s.length - 1];
  }

  /** The number of results. */
  public int rows() {
    int[] s = values.shape();
    int n = 1;
    for (int d = 0; d < s.length - 1; d++) {
      n *= s[d];
    }
    return n;
  }
}
