package org.vmap4j.arrow;

/**
 * A NaN or an infinity in a column read with {@link ReadOptions#rejectNonFinite()}. By default such
 * values pass through unchanged and this is never thrown.
 */
public final class NonFiniteValueException extends ArrowConversionException {
  private static final long serialVersionUID = 1L;

  private final int row;

  NonFiniteValueException(String column, int row, double value) {
    super(
        column,
        "column '"
            + column
            + "' has the non-finite value "
            + value
            + " at row "
            + row
            + ", and the read options reject NaN and infinities");
    this.row = row;
  }

  /** The first row holding a NaN or an infinity. */
  public int row() {
    return row;
  }
}
