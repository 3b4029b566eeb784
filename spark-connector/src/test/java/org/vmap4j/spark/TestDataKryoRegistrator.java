package org.vmap4j.spark;

import com.esotericsoftware.kryo.Kryo;
import org.apache.spark.serializer.KryoRegistrator;

/**
 * The test data's own classes, for the tests' {@code registrationRequired} session: {@link Frames}
 * builds DataFrames with {@code parallelize} of external {@code Row}s, which Spark ships through
 * Kryo. vmap4j's classes are registered by {@link VmapKryoRegistrator}, listed before this one.
 */
public final class TestDataKryoRegistrator implements KryoRegistrator {
  @Override
  public void registerClasses(Kryo kryo) {
    kryo.register(org.apache.spark.sql.catalyst.expressions.GenericRow.class);
    kryo.register(org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema.class);
    kryo.register(Object[].class);
    kryo.register(Object[][].class);
    kryo.register(double[][].class);
    kryo.register(Double[].class);
    kryo.register(TestVector.class);
    // a Parquet write's task results carry the schema (ColumnFormTest writes one)
    kryo.register(org.apache.spark.sql.types.ArrayType.class);
  }
}
