package org.vmap4j.spark;

import java.util.Arrays;

/**
 * A row's input could not become a per-example tensor: a null, an array of the wrong length, a
 * ragged nested array, a sparse vector of the wrong size, or a non-finite value under {@link
 * NonFinitePolicy#REJECT}. The message names the column, the row's partition and index within the
 * partition (0-based, in the order Spark gives the partition's rows), what was found and the
 * expected per-example shape, e.g.
 *
 * <pre>
 * column 'features', partition 1, row 17: array of 29 elements; expected a per-example shape of [30] (float)
 * </pre>
 *
 * <p>On the driver Spark reports it inside a {@code SparkException} ("Job aborted due to stage
 * failure: ..."), whose message contains this one.
 */
public class BadInputException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String column;
  private final int partition;
  private final long row;
  private final int[] expectedShape;
  private final String problem;

  public BadInputException(
      String column, int partition, long row, int[] expectedShape, String dtype, String problem) {
    super(message(column, partition, row, expectedShape, dtype, problem));
    this.column = column;
    this.partition = partition;
    this.row = row;
    this.expectedShape = expectedShape.clone();
    this.problem = problem;
  }

  static String message(
      String column, int partition, long row, int[] expectedShape, String dtype, String problem) {
    return "column '"
        + column
        + "', partition "
        + partition
        + ", row "
        + row
        + ": "
        + problem
        + "; expected a per-example shape of "
        + Arrays.toString(expectedShape)
        + " ("
        + dtype
        + ")";
  }

  public String column() {
    return column;
  }

  /** The Spark partition index of the row. */
  public int partition() {
    return partition;
  }

  /** The row's 0-based index within its partition. */
  public long row() {
    return row;
  }

  public int[] expectedShape() {
    return expectedShape.clone();
  }

  /** What was wrong, without the position (e.g. "null", "array of 2 elements"). */
  public String problem() {
    return problem;
  }
}
