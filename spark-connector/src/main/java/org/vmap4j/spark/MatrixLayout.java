package org.vmap4j.spark;

/**
 * How an output with two or more per-example dimensions (a Jacobian, a weight-matrix gradient)
 * becomes a Spark column. Either way the column's metadata holds the per-example shape under
 * {@value VmapUdf#SHAPE_METADATA_KEY}, so a later {@link VmapUdf} reads the column back at that
 * shape without being told.
 */
public enum MatrixLayout {
  /**
   * The default: nested arrays, {@code array<array<float>>} for {@code [m, n]}, row-major. What
   * Spark SQL, Parquet readers and pandas show as a matrix.
   */
  NESTED,
  /**
   * One flat row-major {@code array<float>} of {@code m * n} elements; the shape lives only in the
   * metadata. Cheaper to write and read (one contiguous array per row).
   */
  FLAT
}
