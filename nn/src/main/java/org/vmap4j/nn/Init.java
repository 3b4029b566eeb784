package org.vmap4j.nn;

import org.vmap4j.DType;
import org.vmap4j.Tensor;

/**
 * Seeded initializers, with the fans PyTorch computes (for a weight {@code [out, in, k...]}: fan_in
 * = in·k..., fan_out = out·k...). Each draws from core's counter-based generator, so the same seed
 * gives the same tensor everywhere.
 */
public final class Init {
  private Init() {}

  /**
   * A seed for part {@code i} of something seeded with {@code seed} (a layer's weight and bias, a
   * model's layers): distinct parts draw unrelated numbers.
   */
  public static long split(long seed, int i) {
    long z = seed + (i + 1) * 0x9e3779b97f4a7c15L;
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    return z ^ (z >>> 27);
  }

  /** U(-bound, bound). */
  public static Tensor uniform(long seed, DType dtype, double bound, int... shape) {
    return Tensor.randomUniform(seed, dtype, shape).mul(2 * bound).sub(bound);
  }

  /** N(0, std²). */
  public static Tensor normal(long seed, DType dtype, double std, int... shape) {
    return Tensor.randomNormal(seed, dtype, shape).mul(std);
  }

  /** He (Kaiming) uniform for ReLU layers: U(-b, b), b = sqrt(6 / fan_in). */
  public static Tensor kaimingUniform(long seed, DType dtype, int... shape) {
    return uniform(seed, dtype, Math.sqrt(6.0 / fanIn(shape)), shape);
  }

  /** He (Kaiming) normal: N(0, 2 / fan_in). */
  public static Tensor kaimingNormal(long seed, DType dtype, int... shape) {
    return normal(seed, dtype, Math.sqrt(2.0 / fanIn(shape)), shape);
  }

  /** Glorot (Xavier) uniform: U(-b, b), b = sqrt(6 / (fan_in + fan_out)). */
  public static Tensor xavierUniform(long seed, DType dtype, int... shape) {
    return uniform(seed, dtype, Math.sqrt(6.0 / (fanIn(shape) + fanOut(shape))), shape);
  }

  /** Glorot (Xavier) normal: N(0, 2 / (fan_in + fan_out)). */
  public static Tensor xavierNormal(long seed, DType dtype, int... shape) {
    return normal(seed, dtype, Math.sqrt(2.0 / (fanIn(shape) + fanOut(shape))), shape);
  }

  static int fanIn(int[] shape) {
    requireMatrixOrMore(shape);
    return shape[1] * receptiveField(shape);
  }

  static int fanOut(int[] shape) {
    requireMatrixOrMore(shape);
    return shape[0] * receptiveField(shape);
  }

  private static int receptiveField(int[] shape) {
    int r = 1;
    for (int i = 2; i < shape.length; i++) {
      r *= shape[i];
    }
    return r;
  }

  private static void requireMatrixOrMore(int[] shape) {
    if (shape.length < 2) {
      throw new IllegalArgumentException(
          "fan in/out need a weight of at least 2 dimensions [out, in, ...], found shape "
              + Checks.shape(shape));
    }
  }
}
