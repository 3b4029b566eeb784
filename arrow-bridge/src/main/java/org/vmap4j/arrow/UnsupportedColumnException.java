package org.vmap4j.arrow;

/**
 * An Arrow type, or a tensor, that this module cannot convert. The message names the column, the
 * Arrow type (with its children) and what is supported instead.
 */
public final class UnsupportedColumnException extends ArrowConversionException {
  private static final long serialVersionUID = 1L;

  private final String arrowType;

  UnsupportedColumnException(String column, String arrowType, String reason) {
    super(column, "column '" + column + "' of Arrow type " + arrowType + ": " + reason);
    this.arrowType = arrowType;
  }

  /** The Arrow type as printed in the message, e.g. {@code FixedSizeList(3)<Utf8>}. */
  public String arrowType() {
    return arrowType;
  }
}
