package org.vmap4j.spark;

import java.util.List;

/**
 * The per-example shape of some input columns could not be read from the DataFrame, because no row
 * has them all non-null (most often: it is empty), and none was declared. A type of its own so that
 * callers can tell it from every other resolution error: the DataFrame clipped sum of an empty
 * DataFrame needs no shape (it is zeros), while a misspelt or mistyped column must still fail
 * there; and {@link PerSampleGradients} names its own fix, {@code configure(u -> u.shape(...))}.
 */
final class ShapeUnknownException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final List<String> columns;

  ShapeUnknownException(List<String> columns, String message) {
    super(message);
    this.columns = List.copyOf(columns);
  }

  /** The columns whose shape is unknown, in argument order. */
  List<String> columns() {
    return columns;
  }
}
