package org.vmap4j.spark;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.execution.SparkStrategy;
import org.vmap4j.spark.catalyst.VmapStrategy;
import org.vmap4j.spark.catalyst.VmapUdfExpression;
import scala.jdk.javaapi.CollectionConverters;
import scala.runtime.AbstractFunction1;

/**
 * vmapUdf columns in a running session and in SQL.
 *
 * <pre>{@code
 * VmapSpark.install(spark);                                  // once per session (spark-shell)
 * df.withColumn("score", scores.apply(col("features")));     // batched, see explain()
 * VmapSpark.register(spark, "score", scores);
 * spark.sql("SELECT id, score(features) FROM t WHERE score(features) > 0.5");
 * }</pre>
 */
public final class VmapSpark {
  private VmapSpark() {}

  /**
   * Adds vmap4j's planner to a running session (its experimental strategies), so that vmapUdf
   * columns are planned batched; does nothing when the session has it already, through this call or
   * {@link VmapSparkExtensions}.
   */
  public static void install(SparkSession spark) {
    Objects.requireNonNull(spark, "spark");
    if (VmapStrategy.isInstalled(spark)) {
      return;
    }
    List<SparkStrategy> strategies =
        new ArrayList<>(CollectionConverters.asJava(spark.experimental().extraStrategies()));
    strategies.add(new VmapStrategy());
    spark.experimental().extraStrategies_$eq(VmapStrategy.seq(strategies));
  }

  /** Whether the session plans vmapUdf columns. */
  public static boolean isInstalled(SparkSession spark) {
    return VmapStrategy.isInstalled(spark);
  }

  /**
   * Makes {@code udf} callable from SQL as {@code name(column, ...)} in this session (a temporary
   * function), and installs vmap4j's planner if it is missing.
   */
  public static void register(SparkSession spark, String name, VmapUdf udf) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(udf, "udf");
    install(spark);
    org.apache.spark.sql.classic.SparkSession classic = classic(spark);
    classic
        .sessionState()
        .functionRegistry()
        .createOrReplaceTempFunction(name, new Builder(udf), "java_udf");
  }

  /** The SQL function's builder: a call of {@code udf} on the given arguments. */
  private static final class Builder
      extends AbstractFunction1<scala.collection.immutable.Seq<Expression>, Expression>
      implements java.io.Serializable {
    private final VmapUdf udf;

    Builder(VmapUdf udf) {
      this.udf = udf;
    }

    @Override
    public Expression apply(scala.collection.immutable.Seq<Expression> arguments) {
      return VmapUdfExpression.result(
          VmapUdfExpression.call(udf.planner(), CollectionConverters.asJava(arguments)));
    }
  }

  private static org.apache.spark.sql.classic.SparkSession classic(SparkSession spark) {
    if (spark instanceof org.apache.spark.sql.classic.SparkSession c) {
      return c;
    }
    throw new UnsupportedOperationException(
        "vmapUdf runs inside Spark's JVM (Spark classic); this session is a "
            + spark.getClass().getName()
            + " (Spark Connect?)");
  }
}
