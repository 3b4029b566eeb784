package org.vmap4j.examples;

import org.apache.spark.sql.SparkSession;
import org.vmap4j.spark.SessionPerTestJvm;

/**
 * One Spark session for the examples' tests: declare {@code @ExtendWith(SharedSpark.class)} and
 * take a {@code SparkSession} parameter. The session is the examples' own ({@link
 * ExampleSpark#start}); a test that runs a whole program (which stops its session) makes the next
 * test get a fresh one. The plumbing is the connector's ({@link SessionPerTestJvm}, from its
 * test-jar).
 */
public final class SharedSpark extends SessionPerTestJvm {
  @Override
  protected SparkSession start() {
    return ExampleSpark.start("vmap4j examples tests");
  }
}
