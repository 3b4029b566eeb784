package org.vmap4j.arrow;

/**
 * A variable-length list column whose rows do not all have the same length, so it is not a tensor.
 * The message names the column, the first offending row, its length and the length that the first
 * non-null row set.
 */
public final class RaggedListException extends ArrowConversionException {
  private static final long serialVersionUID = 1L;

  private final int row;
  private final int expectedLength;
  private final int actualLength;

  RaggedListException(
      String column, int row, int actualLength, int referenceRow, int expectedLength) {
    super(
        column,
        "column '"
            + column
            + "' is ragged: row "
            + row
            + " has "
            + actualLength
            + " elements but row "
            + referenceRow
            + " has "
            + expectedLength
            + "; a tensor needs every row to have the same length");
    this.row = row;
    this.expectedLength = expectedLength;
    this.actualLength = actualLength;
  }

  /** The first row whose length differs. */
  public int row() {
    return row;
  }

  /** The length of the first non-null row, which every row must match. */
  public int expectedLength() {
    return expectedLength;
  }

  /** The length of the offending row. */
  public int actualLength() {
    return actualLength;
  }
}
