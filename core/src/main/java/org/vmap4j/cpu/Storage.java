package org.vmap4j.cpu;

import org.vmap4j.DType;

/**
 * The Java array behind a CPU tensor of each dtype: {@code double[]} (F64), {@code float[]} (F32),
 * {@code int[]} (I32), {@code long[]} (I64), {@code boolean[]} (BOOL).
 */
public final class Storage {
  private Storage() {}

  /**
   * A zero-filled array: from the active {@link BufferPool} when a compiled program is running,
   * else new.
   */
  public static Object allocate(DType dtype, int n) {
    Object pooled = BufferPool.take(dtype, n);
    return pooled != null ? pooled : newArray(dtype, n);
  }

  /**
   * An array whose every element the caller overwrites before reading any: from the active {@link
   * BufferPool} without zero-filling it (a recycled array holds its last user's values), else new.
   * Zero-filling a recycled result that a kernel writes completely took about 8% of the CNN's
   * per-sample gradients (docs/performance.md).
   */
  public static Object allocateForOverwrite(DType dtype, int n) {
    Object pooled = BufferPool.take(dtype, n, false);
    return pooled != null ? pooled : newArray(dtype, n);
  }

  static Object newArray(DType dtype, int n) {
    return switch (dtype) {
      case F64 -> new double[n];
      case F32 -> new float[n];
      case I32 -> new int[n];
      case I64 -> new long[n];
      case BOOL -> new boolean[n];
    };
  }

  /** The Java element type's name, as generated kernels spell it. */
  public static String javaType(DType dtype) {
    return switch (dtype) {
      case F64 -> "double";
      case F32 -> "float";
      case I32 -> "int";
      case I64 -> "long";
      case BOOL -> "boolean";
    };
  }

  /** The dtype whose storage is this array's type; an error for any other object. */
  public static DType dtypeOf(Object data) {
    if (data instanceof double[]) {
      return DType.F64;
    } else if (data instanceof float[]) {
      return DType.F32;
    } else if (data instanceof int[]) {
      return DType.I32;
    } else if (data instanceof long[]) {
      return DType.I64;
    } else if (data instanceof boolean[]) {
      return DType.BOOL;
    }
    throw new IllegalArgumentException(
        "tensor data must be double[], float[], int[], long[] or boolean[], got "
            + (data == null ? "null" : data.getClass().getSimpleName()));
  }

  /** A copy of a whole storage array. */
  public static Object copy(Object data) {
    int n = length(data);
    Object out = java.lang.reflect.Array.newInstance(data.getClass().getComponentType(), n);
    System.arraycopy(data, 0, out, 0, n);
    return out;
  }

  public static int length(Object data) {
    return java.lang.reflect.Array.getLength(data);
  }

  /** One element as a double (BOOL as 0 or 1); for printing and tests, not for loops. */
  public static double getDouble(Object data, int i) {
    if (data instanceof double[] a) {
      return a[i];
    } else if (data instanceof float[] a) {
      return a[i];
    } else if (data instanceof int[] a) {
      return a[i];
    } else if (data instanceof long[] a) {
      return a[i];
    } else {
      return ((boolean[]) data)[i] ? 1 : 0;
    }
  }

  /** One element as a long (exact for the integer dtypes). */
  public static long getLong(Object data, int i) {
    if (data instanceof int[] a) {
      return a[i];
    } else if (data instanceof long[] a) {
      return a[i];
    } else {
      return (long) getDouble(data, i);
    }
  }

  /** Sets one element from a double, converted as a Java cast would. */
  public static void setDouble(Object data, int i, double v) {
    if (data instanceof double[] a) {
      a[i] = v;
    } else if (data instanceof float[] a) {
      a[i] = (float) v;
    } else if (data instanceof int[] a) {
      a[i] = (int) v;
    } else if (data instanceof long[] a) {
      a[i] = (long) v;
    } else {
      ((boolean[]) data)[i] = v != 0;
    }
  }

  /** Fills {@code [from, to)} with a value converted to the array's type. */
  public static void fill(Object data, int from, int to, double v) {
    if (data instanceof double[] a) {
      java.util.Arrays.fill(a, from, to, v);
    } else if (data instanceof float[] a) {
      java.util.Arrays.fill(a, from, to, (float) v);
    } else if (data instanceof int[] a) {
      java.util.Arrays.fill(a, from, to, (int) v);
    } else if (data instanceof long[] a) {
      java.util.Arrays.fill(a, from, to, (long) v);
    } else {
      java.util.Arrays.fill((boolean[]) data, from, to, v != 0);
    }
  }
}
