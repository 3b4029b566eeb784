package org.vmap4j.cpu;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The lane shapes the Vector API element-wise kernels ({@link VectorKernels}) use, read by their
 * generated code as constants. Only loaded by that code, so only in a JVM that has {@code
 * jdk.incubator.vector}.
 */
public final class VectorLanes {
  private VectorLanes() {}

  /** Doubles: the widest shape the machine runs natively (8 lanes with AVX-512). */
  public static final VectorSpecies<Double> DOUBLES = DoubleVector.SPECIES_PREFERRED;

  /**
   * Floats as many as {@link #DOUBLES} has lanes, for F32 kernels that compute some operation in
   * double (exp, erf, rsqrt: as their scalar forms do): widening and narrowing keep the lane count,
   * which the JIT compiles to one conversion instruction each way.
   */
  public static final VectorSpecies<Float> FLOATS_BESIDE_DOUBLES =
      VectorSpecies.of(float.class, VectorShape.forBitSize(DOUBLES.vectorBitSize() / 2));

  /** Floats in the widest native shape, for F32 kernels that stay in float. */
  public static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
}
