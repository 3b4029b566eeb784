package org.vmap4j;

/**
 * What random operations do inside {@code vmap}, with torch.func's meanings. Random operations are
 * the seeded factories {@link Tensor#randomUniform} and {@link Tensor#randomNormal}.
 */
public enum Randomness {
  /** A random operation inside the mapped function is an error (the default). */
  ERROR,
  /** Each example draws its own random numbers. */
  DIFFERENT,
  /** Every example sees the same random numbers. */
  SAME
}
