package org.vmap4j.arrow;

import org.vmap4j.DType;

/** The Java arrays behind tensors of each dtype: allocation, filling nulls, finiteness. */
final class Arrays2 {
  /** The largest Java array HotSpot allocates reliably. */
  static final int MAX_ELEMENTS = Integer.MAX_VALUE - 8;

  private Arrays2() {}

  static Object allocate(DType dtype, int n) {
    return switch (dtype) {
      case F32 -> new float[n];
      case F64 -> new double[n];
      case I32 -> new int[n];
      case I64 -> new long[n];
      case BOOL -> new boolean[n];
    };
  }

  static int length(Object data) {
    return java.lang.reflect.Array.getLength(data);
  }

  static double get(Object data, int i) {
    if (data instanceof float[] a) {
      return a[i];
    }
    return ((double[]) data)[i];
  }

  /** Sets every element whose mask entry is false to {@code value}, checked against the dtype. */
  static void fill(String column, DType dtype, Object data, boolean[] mask, double value) {
    switch (dtype) {
      case F32 -> {
        float[] a = (float[]) data;
        float v = (float) value;
        for (int i = 0; i < mask.length; i++) {
          if (!mask[i]) {
            a[i] = v;
          }
        }
      }
      case F64 -> {
        double[] a = (double[]) data;
        for (int i = 0; i < mask.length; i++) {
          if (!mask[i]) {
            a[i] = value;
          }
        }
      }
      case I32 -> {
        int[] a = (int[]) data;
        int v = (int) exactInteger(column, dtype, value, Integer.MIN_VALUE, Integer.MAX_VALUE);
        for (int i = 0; i < mask.length; i++) {
          if (!mask[i]) {
            a[i] = v;
          }
        }
      }
      case I64 -> {
        long[] a = (long[]) data;
        long v = exactInteger(column, dtype, value, Long.MIN_VALUE, Long.MAX_VALUE);
        for (int i = 0; i < mask.length; i++) {
          if (!mask[i]) {
            a[i] = v;
          }
        }
      }
      case BOOL -> {
        boolean[] a = (boolean[]) data;
        boolean v = exactInteger(column, dtype, value, 0, 1) == 1;
        for (int i = 0; i < mask.length; i++) {
          if (!mask[i]) {
            a[i] = v;
          }
        }
      }
    }
  }

  private static long exactInteger(String column, DType dtype, double value, long min, long max) {
    // (double) Long.MAX_VALUE rounds up to 2^63, which is out of range: compare strictly.
    if (value != Math.rint(value)
        || value < min
        || (max == Long.MAX_VALUE ? value >= 0x1p63 : value > max)) {
      throw new ArrowConversionException(
          column,
          "column '"
              + column
              + "' is "
              + dtype
              + ", and the fill value "
              + value
              + " is not a "
              + dtype
              + " value"
              + (dtype == DType.BOOL ? " (use 0 or 1)" : ""));
    }
    return (long) value;
  }

  /** The first present (mask true or no mask) NaN or infinity, or -1. */
  static int firstNonFinite(Object data, boolean[] mask) {
    if (data instanceof float[] a) {
      for (int i = 0; i < a.length; i++) {
        if (!Float.isFinite(a[i]) && (mask == null || mask[i])) {
          return i;
        }
      }
    } else if (data instanceof double[] a) {
      for (int i = 0; i < a.length; i++) {
        if (!Double.isFinite(a[i]) && (mask == null || mask[i])) {
          return i;
        }
      }
    }
    return -1;
  }
}
