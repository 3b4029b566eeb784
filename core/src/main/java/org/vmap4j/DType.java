package org.vmap4j;

/**
 * The element type of a {@link Tensor}.
 *
 * <h2>Promotion</h2>
 *
 * <p>When a binary operation meets two tensors of different dtypes, both are converted to the
 * larger one on the chain {@code BOOL < I32 < I64 < F32 < F64} (as in PyTorch: an I64 tensor plus
 * an F32 tensor is F32). A Java {@code double} or {@code int} operand is "weak": it takes the
 * tensor's dtype, so {@code f32Tensor.mul(2.0)} stays F32; a double operand on an integer or BOOL
 * tensor promotes the result to F64.
 */
public enum DType {
  BOOL("bool", 1),
  I32("i32", 4),
  I64("i64", 8),
  F32("f32", 4),
  F64("f64", 8);

  private final String shortName;
  private final int byteSize;

  DType(String shortName, int byteSize) {
    this.shortName = shortName;
    this.byteSize = byteSize;
  }

  /** The name used in printed programs and error messages, e.g. {@code f32}. */
  public String shortName() {
    return shortName;
  }

  /** Bytes per element. */
  public int byteSize() {
    return byteSize;
  }

  public boolean isFloating() {
    return this == F32 || this == F64;
  }

  public boolean isInteger() {
    return this == I32 || this == I64;
  }

  /** The dtype both operands of a binary operation are converted to (see the class comment). */
  public static DType promote(DType a, DType b) {
    return a.ordinal() >= b.ordinal() ? a : b;
  }

  /** Parses {@link #shortName()} back to a dtype. */
  public static DType fromShortName(String name) {
    for (DType t : values()) {
      if (t.shortName.equals(name)) {
        return t;
      }
    }
    throw new IllegalArgumentException("unknown dtype '" + name + "'");
  }

  @Override
  public String toString() {
    return shortName;
  }
}
