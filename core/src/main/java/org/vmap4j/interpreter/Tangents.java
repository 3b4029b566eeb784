package org.vmap4j.interpreter;

import org.vmap4j.DType;
import org.vmap4j.Tensor;

/**
 * Helpers that derivative rules share. A null tangent or cotangent stands for zero, so rules skip
 * work for inputs that do not carry derivatives; {@link #orZeros} makes one concrete when an
 * operation needs it.
 */
public final class Tangents {
  private Tangents() {}

  /** Whether values of this dtype carry derivatives (floating dtypes do; others never). */
  public static boolean differentiable(DType t) {
    return t.isFloating();
  }

  /** {@code t}, or zeros shaped like {@code like} when {@code t} is null. */
  public static Tensor orZeros(Tensor t, Tensor like) {
    return t != null ? t : Tensor.zeros(like.dtype(), like.shape());
  }

  /** Sum of two possibly-null values (null + x = x). */
  public static Tensor add(Tensor a, Tensor b) {
    if (a == null) {
      return b;
    }
    return b == null ? a : a.add(b);
  }

  /**
   * Sums {@code ct} (shaped like a broadcast result) back to {@code shape}: over leading new
   * dimensions and over dimensions where {@code shape} has size 1 (the reverse of NumPy
   * broadcasting).
   */
  public static Tensor unbroadcast(Tensor ct, int[] shape) {
    int[] s = ct.shape();
    Tensor out = ct;
    int lead = s.length - shape.length;
    for (int i = 0; i < lead; i++) {
      out = out.sum(0);
    }
    for (int d = 0; d < shape.length; d++) {
      if (shape[d] == 1 && s[d + lead] != 1) {
        out = out.sum(d, true);
      }
    }
    return out.reshape(shape);
  }
}
