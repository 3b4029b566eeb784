package org.vmap4j.arrow;

import java.util.Objects;
import java.util.Optional;
import org.vmap4j.Tensor;

/**
 * One column read as a tensor: its values and, when the read filled nulls ({@link
 * ReadOptions#fillNulls(double)}), a BOOL validity mask of the same shape that is true where the
 * Arrow column held a value and false where a null was filled.
 *
 * @param column the column's name
 * @param values the values, shape {@code [rows, ...]}
 * @param validity present exactly when the read filled nulls
 */
public record ColumnTensor(String column, Tensor values, Optional<Tensor> validity) {
  public ColumnTensor {
    Objects.requireNonNull(column, "column");
    Objects.requireNonNull(values, "values");
    Objects.requireNonNull(validity, "validity");
  }

  /**
   * A BOOL tensor of shape {@code [rows]}: true for a row all of whose elements were present. Empty
   * when the read did not fill nulls (then every row was complete, or the read failed).
   */
  public Optional<Tensor> rowValidity() {
    return validity.map(ColumnTensor::allPerRow);
  }

  /** The number of elements that were null and filled; 0 when nulls were not filled. */
  public int nullCount() {
    if (validity.isEmpty()) {
      return 0;
    }
    int nulls = 0;
    for (boolean present : validity.get().toBooleanArray()) {
      if (!present) {
        nulls++;
      }
    }
    return nulls;
  }

  private static Tensor allPerRow(Tensor mask) {
    int rows = mask.shape()[0];
    boolean[] elements = mask.toBooleanArray();
    int perRow = rows == 0 ? 0 : elements.length / rows;
    boolean[] out = new boolean[rows];
    for (int r = 0; r < rows; r++) {
      boolean all = true;
      for (int j = r * perRow, end = j + perRow; j < end && all; j++) {
        all = elements[j];
      }
      out[r] = all;
    }
    return Tensor.wrap(out, rows);
  }
}
