package org.vmap4j.examples;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.ConsoleAppender;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.core.config.DefaultConfiguration;
import org.apache.logging.log4j.core.config.builder.api.ConfigurationBuilder;
import org.apache.logging.log4j.core.config.builder.api.ConfigurationBuilderFactory;
import org.apache.logging.log4j.core.config.builder.impl.BuiltConfiguration;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * The Spark session every Spark example runs on: the one spark-submit configures when launched by
 * it, else an embedded {@code local[*]} on the loopback interface.
 */
final class ExampleSpark {
  private ExampleSpark() {}

  /** Starts (or joins) the session: Kryo with vmap4j's registrator, no UI, quiet logging. */
  static SparkSession start(String appName) {
    quietLogging();
    SparkSession.Builder builder =
        SparkSession.builder()
            .appName(appName)
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
            .config("spark.kryo.registrator", "org.vmap4j.spark.VmapKryoRegistrator");
    if (!new SparkConf().contains("spark.master")) {
      // Not started by spark-submit (which passes its --master as spark.master): an embedded
      // local Spark on the loopback interface. Under spark-submit the master, driver host and
      // the rest come from its command line, so the same jar runs on a cluster.
      builder
          .master("local[*]")
          .config("spark.driver.host", "127.0.0.1")
          .config("spark.driver.bindAddress", "127.0.0.1");
    }
    SparkSession spark = builder.getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    return spark;
  }

  /**
   * Spark logs every stage at INFO unless log4j2 is configured: when nothing configured it, log
   * warnings and errors only, to stderr.
   */
  private static void quietLogging() {
    LoggerContext context = (LoggerContext) LogManager.getContext(false);
    if (!(context.getConfiguration() instanceof DefaultConfiguration)) {
      return;
    }
    ConfigurationBuilder<BuiltConfiguration> b =
        ConfigurationBuilderFactory.newConfigurationBuilder();
    b.add(
        b.newAppender("stderr", "Console")
            .addAttribute("target", ConsoleAppender.Target.SYSTEM_ERR)
            .add(
                b.newLayout("PatternLayout")
                    .addAttribute("pattern", "%d{HH:mm:ss} %p %c{1}: %m%n")));
    b.add(b.newRootLogger(Level.WARN).add(b.newAppenderRef("stderr")));
    Configurator.reconfigure(b.build());
  }
}
