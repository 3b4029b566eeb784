package org.vmap4j.spark.catalyst;

import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.vmap4j.spark.ErrorPolicy;
import org.vmap4j.spark.VmapUdf;
import org.vmap4j.spark.executor.InputColumn;
import org.vmap4j.spark.executor.PartitionProcessor;
import org.vmap4j.spark.executor.ResolvedFunction;

/**
 * What vmap4j's Catalyst nodes ask of the vmapUdf a call applies: the driver's planning of it,
 * implemented by the connector's driver-side {@code VmapUdfPlanner}. One instance per {@link
 * VmapUdf}, compared by identity: two calls of the same instance on the same arguments are one
 * evaluation.
 *
 * <p>Internal: public only so that the Catalyst nodes, in their own package, can reach it.
 */
public interface VmapCallPlanner {

  /** The column whose value error messages quote for a bad row, or null. */
  String keyColumn();

  /** The input column names the user gave ({@code inputColumns}), or empty. */
  List<String> inputColumns();

  ErrorPolicy errorPolicy();

  /** Whether the function draws per-row random numbers (then a call is nondeterministic). */
  boolean perRowRandom();

  /**
   * The function bound to arguments of these names and Spark types (run once on zeros, traced).
   * Shapes must be declared or in the fields' metadata: no data is read.
   */
  ResolvedFunction resolve(List<String> argumentNames, StructType arguments);

  /** The fields each row gains: one per output, then the error column when there is one. */
  List<StructField> outputFields(ResolvedFunction resolved);

  /**
   * The executor-side processor of a resolved function, reading its inputs at {@code inputs}'
   * ordinals and the key column (if any) at {@code keyOrdinal}; its constants broadcast once.
   */
  PartitionProcessor processor(
      ResolvedFunction resolved,
      InputColumn[] inputs,
      SparkSession session,
      int keyOrdinal,
      DataType keyType);
}
