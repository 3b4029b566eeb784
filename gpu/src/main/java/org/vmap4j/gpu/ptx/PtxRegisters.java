package org.vmap4j.gpu.ptx;

import org.vmap4j.DType;

/**
 * Virtual registers of one generated PTX entry, by class; the declarations come last, once the body
 * knows how many of each it used (ptxas allocates the real registers).
 */
final class PtxRegisters {
  private int f32;
  private int f64;
  private int pred;
  private int b32;
  private int b64;
  private int labels;

  /** A fresh branch label starting with {@code prefix}, for code that is emitted more than once. */
  String label(String prefix) {
    return prefix + labels++;
  }

  String f32() {
    return "%f" + f32++;
  }

  String f64() {
    return "%d" + f64++;
  }

  String pred() {
    return "%p" + pred++;
  }

  String b32() {
    return "%r" + b32++;
  }

  String b64() {
    return "%rd" + b64++;
  }

  /** A register holding one element of {@code dtype} (predicates for booleans). */
  String of(DType dtype) {
    return switch (dtype) {
      case F32 -> f32();
      case F64 -> f64();
      case BOOL -> pred();
      case I32 -> b32();
      case I64 -> b64();
    };
  }

  String declarations() {
    return "    .reg .pred %p<"
        + Math.max(pred, 1)
        + ">;\n    .reg .f32 %f<"
        + Math.max(f32, 1)
        + ">;\n    .reg .f64 %d<"
        + Math.max(f64, 1)
        + ">;\n    .reg .b32 %r<"
        + Math.max(b32, 1)
        + ">;\n    .reg .b64 %rd<"
        + Math.max(b64, 1)
        + ">;\n";
  }

  /** The PTX type suffix of a numeric dtype (integers signed). */
  static String suffix(DType t) {
    return switch (t) {
      case F32 -> "f32";
      case F64 -> "f64";
      case I32 -> "s32";
      case I64 -> "s64";
      default -> throw new UnsupportedOperationException(t + " arithmetic is not lowered to PTX");
    };
  }

  /**
   * A PTX immediate of {@code value} in dtype {@code t}, bit-exact ({@code 0f...}/{@code 0d...});
   * for integer dtypes {@code value} converted as Java's cast does.
   */
  static String constant(DType t, double value) {
    return switch (t) {
      case F32 -> String.format("0f%08X", Float.floatToRawIntBits((float) value));
      case I32 -> Integer.toString((int) value);
      case I64 -> String.format("0x%016X", (long) value);
      default -> String.format("0d%016X", Double.doubleToRawLongBits(value));
    };
  }

  /** A PTX integer immediate with exactly these bits, for moves of raw element bits. */
  static String rawBits(long bits, int bytes) {
    return bytes == 8
        ? String.format("0x%016X", bits)
        : String.format("0x%08X", bits & ((1L << (8 * bytes)) - 1));
  }
}
