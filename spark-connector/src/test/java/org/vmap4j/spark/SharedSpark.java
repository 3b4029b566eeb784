package org.vmap4j.spark;

import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * A JUnit 5 extension giving tests one shared {@code local[2]} SparkSession per test JVM, stopped
 * when all tests have run (a resource in JUnit's root store). Declare it with
 * {@code @ExtendWith(SharedSpark.class)} and take a {@code SparkSession} parameter.
 *
 * <p>This is the equivalent of Spark Testing Base's {@code SharedSparkContext}/{@code
 * DatasetSuiteBase}, written here because no build of Spark Testing Base for Spark 4 and Scala 2.13
 * is served to this project; {@link DataFrameAssertions} stands in for its DataFrame equality with
 * tolerance.
 *
 * <p>The session runs with Kryo, {@link VmapKryoRegistrator} and {@code
 * spark.kryo.registrationRequired=true}, so that every test's job (broadcasts of constants
 * included) also checks that vmap4j registers what it ships.
 */
public final class SharedSpark implements ParameterResolver {
  private static final Object LOCK = new Object();
  private static SparkSession spark;

  /** The shared session, started on first use. */
  public static SparkSession session() {
    synchronized (LOCK) {
      if (spark == null) {
        spark =
            SparkSession.builder()
                .master("local[2]")
                .appName("vmap4j-spark-tests")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "2")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
                .config(
                    "spark.kryo.registrator",
                    VmapKryoRegistrator.class.getName()
                        + ","
                        + TestDataKryoRegistrator.class.getName())
                .config("spark.kryo.registrationRequired", "true")
                .getOrCreate();
      }
      return spark;
    }
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

  private static void stop() {
    synchronized (LOCK) {
      if (spark != null) {
        spark.stop();
        spark = null;
      }
    }
  }
}
