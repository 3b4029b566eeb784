package org.vmap4j.spark;

import java.io.Serializable;
import java.util.Arrays;
import org.apache.spark.sql.types.SQLUserDefinedType;

/**
 * A stand-in for MLlib's {@code org.apache.spark.ml.linalg.Vector}: spark-mllib is not among this
 * project's dependencies (not served offline here), so the tests use a UDT stored exactly as
 * MLlib's {@code VectorUDT} stores vectors (see {@link TestVectorUDT}), which is what vmapUdf
 * recognizes.
 */
@SQLUserDefinedType(udt = TestVectorUDT.class)
public final class TestVector implements Serializable {
  private static final long serialVersionUID = 1L;

  final int size;
  final int[] indices; // null when dense
  final double[] values;

  private TestVector(int size, int[] indices, double[] values) {
    this.size = size;
    this.indices = indices;
    this.values = values;
  }

  static TestVector dense(double... values) {
    return new TestVector(values.length, null, values);
  }

  static TestVector sparse(int size, int[] indices, double[] values) {
    return new TestVector(size, indices, values);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TestVector v
        && v.size == size
        && Arrays.equals(v.indices, indices)
        && Arrays.equals(v.values, values);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(values);
  }
}
