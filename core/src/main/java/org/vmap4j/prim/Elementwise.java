package org.vmap4j.prim;

import java.util.Arrays;
import org.vmap4j.DType;
import org.vmap4j.TensorType;
import org.vmap4j.interpreter.Interpreters;

/** Rules shared by the element-wise primitives: operands of one shape and one dtype. */
final class Elementwise {
  private Elementwise() {}

  /** Checks that all operands have the first one's shape and dtype; names the op otherwise. */
  static TensorType sameShapeAndType(String op, TensorType[] in) {
    TensorType first = in[0];
    for (TensorType t : in) {
      if (!Arrays.equals(t.shape(), first.shape())) {
        throw new IllegalArgumentException(
            op
                + ": operand shapes differ: "
                + join(in)
                + " (element-wise primitives need equal"
                + " shapes; Tensor methods broadcast before calling them)");
      }
      if (t.dtype() != first.dtype()) {
        throw new IllegalArgumentException(op + ": operand dtypes differ: " + join(in));
      }
    }
    return first;
  }

  static void requireFloating(String op, DType t) {
    if (!t.isFloating()) {
      throw new IllegalArgumentException(
          op
              + " needs a floating dtype (f32 or f64), got "
              + t
              + "; "
              + Interpreters.floatingConversionHint());
    }
  }

  static void requireNumeric(String op, DType t) {
    if (t == DType.BOOL) {
      throw new IllegalArgumentException(
          op + " is not defined for bool tensors; convert with astype(DType.I32)");
    }
  }

  private static String join(TensorType[] in) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < in.length; i++) {
      sb.append(i > 0 ? " and " : "").append(in[i]);
    }
    return sb.toString();
  }
}
