package org.vmap4j.spark;

/** Whether NaN and infinities in floating input columns are accepted. */
public enum NonFinitePolicy {
  /** The default: NaN and infinities go into the function unchanged, as Spark passes them on. */
  ALLOW,
  /**
   * A NaN or an infinity in a floating input is bad input, handled by the {@link ErrorPolicy} like
   * a null: the error names the column, row and the element's position.
   */
  REJECT
}
