package org.vmap4j.spark.executor;

import java.util.Objects;
import org.apache.spark.sql.RuntimeConfig;
import org.apache.spark.sql.SparkSession;

/**
 * How many rows go into one Arrow batch, as Spark's own Arrow-based UDFs decide it.
 *
 * <p>Why Spark's setting: executors cut each partition into batches of {@code
 * spark.sql.execution.arrow.maxRecordsPerBatch} rows before writing them to Arrow vectors and
 * running a vmapped program on them as one {@code [B, ...]} tensor. Reading the same key as Spark's
 * Python and pandas UDFs means one knob sizes every Arrow batch of a job, and users tune it where
 * they already know to.
 *
 * <p>The value is read on the driver, from the session's runtime configuration, so a per-session
 * {@code spark.conf().set(...)} counts, and shipped to executors with the plan.
 */
public final class ArrowBatching {

  /** The Spark SQL configuration key; Spark's default for it is 10000. */
  public static final String MAX_RECORDS_PER_BATCH = "spark.sql.execution.arrow.maxRecordsPerBatch";

  private ArrowBatching() {}

  /**
   * The number of rows per Arrow batch for jobs of this session.
   *
   * @return the configured value, Spark's default (10000) when unset, or {@link Integer#MAX_VALUE}
   *     when it is zero or negative, which Spark documents as "no limit"
   */
  public static int recordsPerBatch(SparkSession spark) {
    Objects.requireNonNull(spark, "spark");
    return recordsPerBatch(spark.conf());
  }

  /**
   * Like {@link #recordsPerBatch(SparkSession)}, from a session's runtime configuration; for a key
   * it knows, Spark's {@link RuntimeConfig#get(String)} returns its default when it is unset.
   */
  public static int recordsPerBatch(RuntimeConfig conf) {
    Objects.requireNonNull(conf, "conf");
    return fromConfValue(conf.get(MAX_RECORDS_PER_BATCH));
  }

  /**
   * Interprets a value of {@value #MAX_RECORDS_PER_BATCH} as Spark does: an {@code int},
   * surrounding blanks ignored, where zero or a negative number means no limit.
   *
   * <p>A session never holds a non-numeric value (Spark rejects one when it is set, and when a
   * session is built with one), but a raw value from elsewhere (a {@code SparkConf}, a properties
   * file, an environment) can; it fails here rather than as a bare {@link NumberFormatException}
   * deep inside a task.
   *
   * @return the value, or {@link Integer#MAX_VALUE} for zero or a negative value
   * @throws IllegalArgumentException if {@code value} is not an {@code int}; the message names the
   *     key and the value
   */
  public static int fromConfValue(String value) {
    int records;
    try {
      records = Integer.parseInt(Objects.requireNonNull(value, MAX_RECORDS_PER_BATCH).strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          MAX_RECORDS_PER_BATCH
              + " must be an int (0 or less for no limit), but was '"
              + value
              + "'",
          e);
    }
    return records <= 0 ? Integer.MAX_VALUE : records;
  }
}
