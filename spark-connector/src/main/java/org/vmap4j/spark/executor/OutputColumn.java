package org.vmap4j.spark.executor;

import java.io.Serializable;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.MetadataBuilder;
import org.apache.spark.sql.types.StructField;
import org.vmap4j.DType;
import org.vmap4j.spark.MatrixLayout;
import org.vmap4j.spark.VmapUdf;

/** One output column resolved on the driver: its name, per-example shape, dtype and Spark type. */
public final class OutputColumn implements Serializable {
  private static final long serialVersionUID = 1L;

  final String name;

  /** The dtype the column holds; the kernel's output is converted to it when it differs. */
  final DType dtype;

  final int[] shape;
  final int elements;
  final boolean flat;

  public OutputColumn(String name, DType dtype, int[] shape, MatrixLayout layout) {
    this.name = name;
    this.dtype = dtype;
    this.shape = shape.clone();
    int n = 1;
    for (int d : shape) {
      n = Math.multiplyExact(n, d);
    }
    this.elements = n;
    this.flat = shape.length >= 2 && layout == MatrixLayout.FLAT;
  }

  static DataType elementType(DType dtype) {
    return switch (dtype) {
      case F32 -> DataTypes.FloatType;
      case F64 -> DataTypes.DoubleType;
      case I32 -> DataTypes.IntegerType;
      case I64 -> DataTypes.LongType;
      case BOOL -> DataTypes.BooleanType;
    };
  }

  /** The dtype a Spark element type holds, or null when it is not one of the five. */
  public static DType dtypeOf(DataType t) {
    InputColumn.Source s = InputColumn.sourceOf(t);
    return s == null || s == InputColumn.Source.BYTE || s == InputColumn.Source.SHORT
        ? null
        : InputColumn.dtypeOf(s);
  }

  /** The number of array levels the column has. */
  public int arrayDepth() {
    return shape.length == 0 ? 0 : flat ? 1 : shape.length;
  }

  public DataType sparkType() {
    DataType t = elementType(dtype);
    for (int i = 0; i < arrayDepth(); i++) {
      t = new ArrayType(t, false);
    }
    return t;
  }

  public StructField field(boolean nullable) {
    long[] s = new long[shape.length];
    for (int i = 0; i < s.length; i++) {
      s[i] = shape[i];
    }
    Metadata metadata =
        new MetadataBuilder()
            .putLongArray(VmapUdf.SHAPE_METADATA_KEY, s)
            .putString(VmapUdf.DTYPE_METADATA_KEY, dtype.shortName())
            .build();
    return new StructField(name, sparkType(), nullable, metadata);
  }
}
