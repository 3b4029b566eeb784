package org.vmap4j.examples;

import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * One Spark session for the examples' tests (the connector's tests use the same pattern): declare
 * {@code @ExtendWith(SharedSpark.class)} and take a {@code SparkSession} parameter. The session is
 * the examples' own ({@link ExampleSpark#start}), stopped when all tests have run; a test that runs
 * a whole program (which stops its session) makes the next test get a fresh one.
 */
public final class SharedSpark implements ParameterResolver {
  private static SparkSession spark;

  static synchronized SparkSession session() {
    if (spark == null || spark.sparkContext().isStopped()) {
      spark = ExampleSpark.start("vmap4j examples tests");
    }
    return spark;
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == SparkSession.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    SparkSession s = session();
    context
        .getRoot()
        .getStore(ExtensionContext.Namespace.GLOBAL)
        .getOrComputeIfAbsent(
            SharedSpark.class.getName(),
            k -> (ExtensionContext.Store.CloseableResource) SharedSpark::stop,
            Object.class);
    return s;
  }

  private static synchronized void stop() {
    if (spark != null) {
      spark.stop();
      spark = null;
    }
  }
}
