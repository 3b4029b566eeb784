package org.vmap4j.spark;

/** What a {@link VmapUdf} does with a row whose input cannot become a per-example tensor. */
public enum ErrorPolicy {
  /**
   * The default: the task, and so the job, fails with a {@link BadInputException} that names the
   * column, the row's partition and index within it, what is wrong and the expected shape.
   */
  FAIL,
  /**
   * The row is kept: its output columns are null and an extra string column (named by {@link
   * VmapUdf#errorColumn(String)}, {@value VmapUdf#DEFAULT_ERROR_COLUMN} by default) says why. The
   * error column is null on every good row.
   */
  ERROR_COLUMN
}
