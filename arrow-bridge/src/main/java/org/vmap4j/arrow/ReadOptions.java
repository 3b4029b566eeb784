package org.vmap4j.arrow;

/**
 * How a column is read into a tensor: what a null becomes and whether NaN and infinities are
 * allowed. Immutable; each method returns a new instance.
 *
 * <ul>
 *   <li>{@link #strict()} (the default): a null anywhere in a column is a {@link
 *       NullValueException} naming the column and the first row with a null; NaN and infinities
 *       pass through unchanged.
 *   <li>{@link #fillNulls(double)}: every null element (a null row fills the whole row) becomes the
 *       given value, and {@link ColumnTensor#validity()} reports which elements were present.
 *   <li>{@link #rejectNonFinite()}: a NaN or an infinity in a present element of a floating column
 *       is a {@link NonFiniteValueException} naming the column and row.
 * </ul>
 */
public final class ReadOptions {
  private static final ReadOptions STRICT = new ReadOptions(false, 0, false);

  private final boolean fillNulls;
  private final double fillValue;
  private final boolean rejectNonFinite;

  private ReadOptions(boolean fillNulls, double fillValue, boolean rejectNonFinite) {
    this.fillNulls = fillNulls;
    this.fillValue = fillValue;
    this.rejectNonFinite = rejectNonFinite;
  }

  /** Nulls are errors; NaN and infinities pass through. */
  public static ReadOptions strict() {
    return STRICT;
  }

  /**
   * These options, but nulls become {@code value} and a validity mask is returned. For an integer
   * column the value must be an integer, and for a boolean column 0 or 1 (checked when a column is
   * read, so that the error can name it).
   */
  public ReadOptions fillNulls(double value) {
    return new ReadOptions(true, value, rejectNonFinite);
  }

  /** These options, but a NaN or an infinity in a present element is an error. */
  public ReadOptions rejectNonFinite() {
    return new ReadOptions(fillNulls, fillValue, true);
  }

  /** Whether nulls are filled (true) or errors (false). */
  public boolean fillsNulls() {
    return fillNulls;
  }

  /** The value nulls become when {@link #fillsNulls()}. */
  public double fillValue() {
    return fillValue;
  }

  /** Whether NaN and infinities are errors. */
  public boolean rejectsNonFinite() {
    return rejectNonFinite;
  }

  @Override
  public String toString() {
    return "ReadOptions{"
        + (fillNulls ? "fillNulls=" + fillValue : "nulls=error")
        + (rejectNonFinite ? ", rejectNonFinite" : "")
        + "}";
  }
}
