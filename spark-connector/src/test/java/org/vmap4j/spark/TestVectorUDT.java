package org.vmap4j.spark;

import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.UserDefinedType;

/** MLlib's VectorUDT storage, field for field: struct(type byte, size int, indices, values). */
public final class TestVectorUDT extends UserDefinedType<TestVector> {
  private static final long serialVersionUID = 1L;

  @Override
  public DataType sqlType() {
    return new StructType()
        .add("type", DataTypes.ByteType, false)
        .add("size", DataTypes.IntegerType, true)
        .add("indices", DataTypes.createArrayType(DataTypes.IntegerType, false), true)
        .add("values", DataTypes.createArrayType(DataTypes.DoubleType, false), true);
  }

  @Override
  public Object serialize(TestVector v) {
    GenericInternalRow row = new GenericInternalRow(4);
    if (v.indices == null) {
      row.setByte(0, (byte) 1);
      row.setNullAt(1);
      row.setNullAt(2);
    } else {
      row.setByte(0, (byte) 0);
      row.setInt(1, v.size);
      row.update(2, UnsafeArrayData.fromPrimitiveArray(v.indices));
    }
    row.update(3, UnsafeArrayData.fromPrimitiveArray(v.values));
    return row;
  }

  @Override
  public TestVector deserialize(Object datum) {
    InternalRow row = (InternalRow) datum;
    double[] values = row.getArray(3).toDoubleArray();
    return row.getByte(0) == 1
        ? TestVector.dense(values)
        : TestVector.sparse(row.getInt(1), row.getArray(2).toIntArray(), values);
  }

  @Override
  public Class<TestVector> userClass() {
    return TestVector.class;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TestVectorUDT;
  }

  @Override
  public int hashCode() {
    return TestVectorUDT.class.hashCode();
  }
}
