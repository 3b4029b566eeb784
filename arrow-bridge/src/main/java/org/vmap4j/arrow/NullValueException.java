package org.vmap4j.arrow;

/**
 * A tensor column held a null and the read was strict (the default). The message names the column,
 * the first row with a null and, for a null inside a row, its position in the row.
 */
public final class NullValueException extends ArrowConversionException {
  private static final long serialVersionUID = 1L;

  private final int row;

  NullValueException(String column, int row, String where) {
    super(
        column,
        "column '"
            + column
            + "' has a null at row "
            + row
            + where
            + "; a tensor cannot hold nulls (read with ReadOptions.strict().fillNulls(value) to"
            + " fill them and get a validity mask)");
    this.row = row;
  }

  /** The first row (0-based) that holds a null. */
  public int row() {
    return row;
  }
}
