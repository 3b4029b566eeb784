package org.vmap4j.kernel;

import java.util.Arrays;

/**
 * Where a {@link View} reads its input, for views that do not cover the whole iteration space (a
 * pad, the regions of a concatenation): along each dimension d the view is read at the points
 * {@code c[d] = low[d] + step[d] * k[d]} with {@code 0 <= k[d] < count[d]}, and there it reads the
 * element at {@code offset + sum_d k[d] * strides[d]} of its input (the strides apply to {@code k},
 * the position inside the mask, not to {@code c}). At every other point the view reads the value of
 * input {@code otherwise} there (through that input's own view), or, when {@code otherwise} is -1,
 * the constant {@code fill} (converted to the input's dtype as Java casts; to BOOL: "not zero").
 *
 * <p>So a pad with low, high and interior padding is one masked view ({@code step} = interior + 1,
 * {@code fill} = the padding value), and a concatenation is a chain of masked views, one per
 * operand, each covering its range along the axis and falling through to the next.
 *
 * @param low the first point read along each dimension
 * @param step the distance between points read along each dimension (1: consecutive)
 * @param count how many points are read along each dimension
 * @param fill the value read outside the mask when {@code otherwise} is -1
 * @param otherwise the input read outside the mask (a later input of the same dtype), or -1
 */
public record Mask(int[] low, int[] step, int[] count, double fill, int otherwise) {
  public Mask {
    low = low.clone();
    step = step.clone();
    count = count.clone();
    if (low.length != step.length || low.length != count.length) {
      throw new IllegalArgumentException(
          "a mask has one low, step and count per dimension, got "
              + Arrays.toString(low)
              + ", "
              + Arrays.toString(step)
              + ", "
              + Arrays.toString(count));
    }
    for (int d = 0; d < low.length; d++) {
      if (low[d] < 0 || step[d] < 1 || count[d] < 0) {
        throw new IllegalArgumentException(
            "mask dimension "
                + d
                + ": low "
                + low[d]
                + " >= 0, step "
                + step[d]
                + " >= 1 and count "
                + count[d]
                + " >= 0 are required");
      }
    }
    if (otherwise < -1) {
      throw new IllegalArgumentException("otherwise is an input number or -1, got " + otherwise);
    }
  }

  /** A mask reading the constant {@code fill} outside. */
  public static Mask filled(int[] low, int[] step, int[] count, double fill) {
    return new Mask(low, step, count, fill, -1);
  }

  /** A mask reading input {@code otherwise} outside. */
  public static Mask orElse(int[] low, int[] step, int[] count, int otherwise) {
    return new Mask(low, step, count, 0, otherwise);
  }

  /** The number of points inside the mask. */
  public long size() {
    long n = 1;
    for (int c : count) {
      n *= c;
    }
    return n;
  }

  /**
   * Whether this mask and {@code other} share no point: along some dimension where both read
   * consecutive points, their ranges do not meet (a conservative test: false may mean "unknown").
   */
  public boolean disjointFrom(Mask other) {
    for (int d = 0; d < low.length; d++) {
      if (count[d] == 0 || other.count[d] == 0) {
        return true;
      }
      if (step[d] == 1
          && other.step[d] == 1
          && (low[d] + count[d] <= other.low[d] || other.low[d] + other.count[d] <= low[d])) {
        return true;
      }
    }
    return false;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Mask m
        && Arrays.equals(low, m.low)
        && Arrays.equals(step, m.step)
        && Arrays.equals(count, m.count)
        && Double.compare(fill, m.fill) == 0
        && otherwise == m.otherwise;
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(low) * 31 * 31
        + Arrays.hashCode(step) * 31
        + Arrays.hashCode(count)
        + Double.hashCode(fill)
        + otherwise;
  }

  @Override
  public String toString() {
    return "mask(low="
        + Arrays.toString(low)
        + ", step="
        + Arrays.toString(step)
        + ", count="
        + Arrays.toString(count)
        + (otherwise < 0 ? ", fill=" + fill : ", otherwise=x" + otherwise)
        + ")";
  }
}
