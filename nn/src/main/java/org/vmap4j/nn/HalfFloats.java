package org.vmap4j.nn;

/**
 * IEEE 754 binary16 to binary32 (exact: every half is a float). Java 17 has no
 * Float.float16ToFloat.
 */
final class HalfFloats {
  private HalfFloats() {}

  static float halfToFloat(short h) {
    int bits = h & 0xffff;
    int sign = (bits & 0x8000) << 16;
    int exponent = (bits >>> 10) & 0x1f;
    int mantissa = bits & 0x3ff;
    if (exponent == 0x1f) {
      // infinities and NaNs (payload kept in the high mantissa bits)
      return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
    }
    if (exponent == 0) {
      // zero and subnormals: mantissa * 2^-24, exact in float
      float magnitude = mantissa * 0x1.0p-24f;
      return sign == 0 ? magnitude : -magnitude;
    }
    return Float.intBitsToFloat(sign | ((exponent - 15 + 127) << 23) | (mantissa << 13));
  }
}
