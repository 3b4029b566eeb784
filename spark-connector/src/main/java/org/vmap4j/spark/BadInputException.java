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
  private final String key;

  public BadInputException(
      String column, int partition, long row, int[] expectedShape, String dtype, String problem) {
    this(column, partition, row, expectedShape, dtype, problem, null);
  }

  /**
   * With {@code key} ({@code "id=17"}: the row's value of the udf's {@link VmapUdf#keyColumn} key
   * column) quoted first; null when no key column is set, and the message says how to set one.
   */
  public BadInputException(
      String column,
      int partition,
      long row,
      int[] expectedShape,
      String dtype,
      String problem,
      String key) {
    super(message(column, partition, row, expectedShape, dtype, problem, key));
    this.column = column;
    this.partition = partition;
    this.row = row;
    this.expectedShape = expectedShape.clone();
    this.problem = problem;
    this.key = key;
  }

  static String message(
      String column,
      int partition,
      long row,
      int[] expectedShape,
      String dtype,
      String problem,
      String key) {
    String where =
        key != null
            ? "row " + key + " (partition " + partition + ", row " + row + ")"
            : "partition " + partition + ", row " + row;
    return "column '"
        + column
        + "', "
        + where
        + ": "
        + problem
        + "; expected a per-example shape of "
        + Arrays.toString(expectedShape)
        + " ("
        + dtype
        + ")"
        + (key != null
            ? ""
            : " [set keyColumn(\"<column>\") on the udf to have this message quote the row's"
                + " key]");
  }

  /** The row's key as {@code column=value}, or null when the udf has no key column. */
  public String key() {
    return key;
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
