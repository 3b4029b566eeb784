package org.vmap4j.nn;

import java.util.Arrays;
import org.vmap4j.Tensor;

/** Argument checks shared by the functions: each error names the function, argument and shapes. */
final class Checks {
  private Checks() {}

  static String shape(int[] s) {
    return Arrays.toString(s);
  }

  static String shape(Tensor t) {
    return shape(t.shape());
  }

  static void require(boolean ok, String function, String message) {
    if (!ok) {
      throw new IllegalArgumentException(function + ": " + message);
    }
  }

  static void notNull(Object value, String function, String argument) {
    if (value == null) {
      throw new IllegalArgumentException(function + ": " + argument + " must not be null");
    }
  }

  static void floating(Tensor t, String function, String argument) {
    notNull(t, function, argument);
    if (!t.dtype().isFloating()) {
      throw new IllegalArgumentException(
          function
              + ": "
              + argument
              + " must be floating (F32 or F64), found "
              + t.type()
              + "; convert with astype(DType.F32)");
    }
  }

  static void integer(Tensor t, String function, String argument) {
    notNull(t, function, argument);
    if (t.dtype().isFloating() || t.dtype() == org.vmap4j.DType.BOOL) {
      throw new IllegalArgumentException(
          function
              + ": "
              + argument
              + " must hold integer indices (I32 or I64), found "
              + t.type()
              + "; convert with astype(DType.I64)");
    }
  }

  /** {@code t} (if not null) has exactly {@code expected} as its shape. */
  static void shapeIs(Tensor t, int[] expected, String function, String argument) {
    if (t != null && !Arrays.equals(t.shape(), expected)) {
      throw new IllegalArgumentException(
          function
              + ": "
              + argument
              + " must have shape "
              + shape(expected)
              + ", found "
              + shape(t));
    }
  }

  static void rankIn(Tensor t, int min, int max, String function, String argument, String form) {
    if (t.ndim() < min || t.ndim() > max) {
      throw new IllegalArgumentException(
          function + ": " + argument + " must be " + form + ", found shape " + shape(t));
    }
  }
}
