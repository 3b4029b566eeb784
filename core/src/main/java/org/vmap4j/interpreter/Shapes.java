package org.vmap4j.interpreter;

import java.util.Arrays;

/** Small helpers on shapes (int arrays) shared by primitives, kernels and transforms. */
public final class Shapes {
  private Shapes() {}

  /** Number of elements; 1 for a 0-d shape. */
  public static int size(int[] shape) {
    long n = 1;
    for (int d : shape) {
      n *= d;
    }
    if (n > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(
          "shape " + str(shape) + " has " + n + " elements, more than a Java array can hold");
    }
    return (int) n;
  }

  /** Row-major (C order) strides, in elements. */
  public static int[] contiguousStrides(int[] shape) {
    int[] strides = new int[shape.length];
    int s = 1;
    for (int i = shape.length - 1; i >= 0; i--) {
      strides[i] = s;
      s *= shape[i];
    }
    return strides;
  }

  /** {@code [2,3]} style, as in error messages and printed programs. */
  public static String str(int[] shape) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < shape.length; i++) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append(shape[i]);
    }
    return sb.append(']').toString();
  }

  /**
   * Normalizes a possibly negative dimension index against {@code ndim}; {@code what} names the
   * operation for the error message.
   */
  public static int axis(int dim, int ndim, String what) {
    int d = dim < 0 ? dim + ndim : dim;
    if (d < 0 || d >= ndim) {
      throw new IllegalArgumentException(
          what + ": dimension " + dim + " is out of range for a tensor with " + ndim + " dims");
    }
    return d;
  }

  /** NumPy broadcasting of two shapes; {@code op} names the operation for the error message. */
  public static int[] broadcast(int[] a, int[] b, String op) {
    int n = Math.max(a.length, b.length);
    int[] out = new int[n];
    for (int i = 0; i < n; i++) {
      int da = i < n - a.length ? 1 : a[i - (n - a.length)];
      int db = i < n - b.length ? 1 : b[i - (n - b.length)];
      if (da != db && da != 1 && db != 1) {
        throw new IllegalArgumentException(
            op
                + (Interpreters.isActive("vmap") ? ": per-example shapes " : ": shapes ")
                + str(a)
                + " and "
                + str(b)
                + " cannot be broadcast together");
      }
      out[i] = da == 1 ? db : da;
    }
    return out;
  }

  /** Whether {@code perm} is a permutation of {@code 0..n-1}. */
  public static boolean isPermutation(int[] perm, int n) {
    if (perm.length != n) {
      return false;
    }
    boolean[] seen = new boolean[n];
    for (int p : perm) {
      if (p < 0 || p >= n || seen[p]) {
        return false;
      }
      seen[p] = true;
    }
    return true;
  }

  public static int[] inversePermutation(int[] perm) {
    int[] inv = new int[perm.length];
    for (int i = 0; i < perm.length; i++) {
      inv[perm[i]] = i;
    }
    return inv;
  }

  public static int[] range(int from, int to) {
    int[] r = new int[Math.max(0, to - from)];
    for (int i = 0; i < r.length; i++) {
      r[i] = from + i;
    }
    return r;
  }

  public static int[] concat(int[] a, int[] b) {
    int[] r = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
  }

  /** The elements of {@code shape} at the given positions. */
  public static int[] select(int[] shape, int[] positions) {
    int[] r = new int[positions.length];
    for (int i = 0; i < positions.length; i++) {
      r[i] = shape[positions[i]];
    }
    return r;
  }

  /** The positions {@code 0..n-1} that are not in {@code taken}, in order. */
  public static int[] complement(int n, int[] taken) {
    boolean[] t = new boolean[n];
    for (int x : taken) {
      t[x] = true;
    }
    int[] r = new int[n - taken.length];
    int k = 0;
    for (int i = 0; i < n; i++) {
      if (!t[i]) {
        r[k++] = i;
      }
    }
    return r;
  }
}
