package org.vmap4j.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * The lane shapes the Vector API element-wise kernels ({@link VectorKernels}) use, read by their
 * generated code as constants. Only loaded by that code, so only in a JVM that has {@code
 * jdk.incubator.vector}.
 *
 * <p>One shape for every kernel, the widest the machine runs natively (512 bits with AVX-512), as
 * the hand-written kernels of this package use: {@code FloatVector}'s shared methods ({@code
 * intoArray}, {@code add}) then see one receiver class from every caller. With floats of two widths
 * in one JVM their profile was bimorphic, and C2 compiled the store of GELU's generated erf loops
 * as the per-lane Java fallback (docs/performance.md, "One vector width for the generated loops").
 */
public final class VectorLanes {
  private VectorLanes() {}

  /** Floats in the widest native shape (16 lanes with AVX-512). */
  public static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;

  /**
   * Doubles in the same shape as {@link #FLOATS}, so half as many lanes: an F32 kernel that
   * computes some operation in double (exp, erf, rsqrt: as their scalar forms do) widens each float
   * vector into two of these, its lower and upper half ({@link VectorCode#toDoubles}).
   */
  public static final VectorSpecies<Double> DOUBLES =
      VectorSpecies.of(double.class, FLOATS.vectorShape());

  /**
   * The upper half of {@link #FLOATS}' lanes: where the upper double half, narrowed back to floats,
   * goes when the two halves are joined ({@link VectorCode#toFloats}).
   */
  public static final VectorMask<Float> UPPER_HALF =
      VectorMask.fromLong(FLOATS, (1L << FLOATS.length()) - (1L << FLOATS.length() / 2));
}
