package org.vmap4j.spark;

import org.apache.spark.sql.SparkSessionExtensions;
import org.apache.spark.sql.SparkSessionExtensionsProvider;
import org.vmap4j.spark.catalyst.VmapStrategy;
import scala.runtime.AbstractFunction1;
import scala.runtime.BoxedUnit;

/**
 * Installs vmap4j's planner ({@link VmapStrategy}) in every session of an application:
 *
 * <pre>
 * spark-submit --conf spark.sql.extensions=org.vmap4j.spark.VmapSparkExtensions ...
 * </pre>
 *
 * On a session that is already running (spark-shell, notebooks) call {@link
 * VmapSpark#install(org.apache.spark.sql.SparkSession)} instead.
 */
public final class VmapSparkExtensions extends AbstractFunction1<SparkSessionExtensions, BoxedUnit>
    implements SparkSessionExtensionsProvider {

  @Override
  public BoxedUnit apply(SparkSessionExtensions extensions) {
    extensions.injectPlannerStrategy(new PlannerFactory());
    return BoxedUnit.UNIT;
  }

  private static final class PlannerFactory
      extends AbstractFunction1<
          org.apache.spark.sql.SparkSession, org.apache.spark.sql.execution.SparkStrategy>
      implements java.io.Serializable {
    @Override
    public org.apache.spark.sql.execution.SparkStrategy apply(
        org.apache.spark.sql.SparkSession session) {
      return new VmapStrategy();
    }
  }
}
