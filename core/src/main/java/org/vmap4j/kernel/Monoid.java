package org.vmap4j.kernel;

/**
 * The combining operation of a reduction, defined once for every backend: an identity and a scalar
 * operation that combines two partial results. Renderers write the identity and render {@link
 * #combine()} through their scalar-op table, so a reduction's arithmetic is the element-wise
 * operation's (NaN propagates through max and min; integer sums wrap around).
 */
public enum Monoid {
  SUM(ScalarOp.ADD, 0.0),
  MAX(ScalarOp.MAX, Double.NEGATIVE_INFINITY),
  MIN(ScalarOp.MIN, Double.POSITIVE_INFINITY);

  private final ScalarOp combine;
  private final double identity;

  Monoid(ScalarOp combine, double identity) {
    this.combine = combine;
    this.identity = identity;
  }

  /** The operation combining an accumulator with a value (or two partial results). */
  public ScalarOp combine() {
    return combine;
  }

  /**
   * The identity as a double; for an integer dtype it is this value cast as Java casts, i.e. the
   * dtype's smallest (for max) or largest (for min) value.
   */
  public double identity() {
    return identity;
  }
}
