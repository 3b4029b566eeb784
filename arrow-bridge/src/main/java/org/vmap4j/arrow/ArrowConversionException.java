package org.vmap4j.arrow;

/**
 * A column could not be converted between Arrow and tensors. Every message names the column; the
 * subclasses add the row, the Arrow type or the lengths involved, so that bad input never becomes a
 * wrong number silently.
 */
public class ArrowConversionException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String column;

  /**
   * @param column the name of the column that failed
   * @param message the full message, which already names the column
   */
  public ArrowConversionException(String column, String message) {
    super(message);
    this.column = column;
  }

  /** The name of the column that failed. */
  public String column() {
    return column;
  }
}
