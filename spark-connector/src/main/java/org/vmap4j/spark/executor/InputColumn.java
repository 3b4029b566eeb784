package org.vmap4j.spark.executor;

import java.io.Serializable;
import java.util.Arrays;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.UserDefinedType;
import org.apache.spark.unsafe.Platform;
import org.vmap4j.DType;

/**
 * One input column resolved on the driver: where it is in the row, how Spark stores it, and the
 * per-example tensor it becomes. On executors it copies one row's value into a batch buffer (a Java
 * array or an Arrow data buffer, both addressed as base object + offset) and says what is wrong
 * when the value cannot be an example of the declared shape.
 */
public final class InputColumn implements Serializable {
  private static final long serialVersionUID = 1L;

  /** How Spark stores the column. */
  public enum Kind {
    /** A numeric or boolean scalar. */
    SCALAR,
    /** {@code array<prim>}: a flat row-major example of any shape whose size is its length. */
    ARRAY,
    /** {@code array<array<...>>}: one nesting level per dimension. */
    NESTED,
    /** MLlib's {@code VectorUDT} (struct type, size, indices, values), dense or sparse. */
    VECTOR
  }

  /** Spark's element type. */
  public enum Source {
    BOOLEAN,
    BYTE,
    SHORT,
    INT,
    LONG,
    FLOAT,
    DOUBLE
  }

  public final String name;
  public final int ordinal;
  public final Kind kind;
  public final Source source;
  public final DType dtype;
  public final int[] shape;
  final int elements;

  /** For NESTED: the nesting depth (= shape length). */
  final int depth;

  public InputColumn(String name, int ordinal, Kind kind, Source source, int[] shape) {
    this.name = name;
    this.ordinal = ordinal;
    this.kind = kind;
    this.source = source;
    this.dtype = dtypeOf(source);
    this.shape = shape.clone();
    int n = 1;
    for (int d : shape) {
      n = Math.multiplyExact(n, d);
    }
    this.elements = n;
    this.depth = shape.length;
  }

  /** This column read from another position of the rows. */
  public InputColumn at(int newOrdinal) {
    return new InputColumn(name, newOrdinal, kind, source, shape);
  }

  public static DType dtypeOf(Source s) {
    return switch (s) {
      case BOOLEAN -> DType.BOOL;
      case BYTE, SHORT, INT -> DType.I32;
      case LONG -> DType.I64;
      case FLOAT -> DType.F32;
      case DOUBLE -> DType.F64;
    };
  }

  public static Source sourceOf(DataType t) {
    if (t instanceof FloatType) {
      return Source.FLOAT;
    } else if (t instanceof DoubleType) {
      return Source.DOUBLE;
    } else if (t instanceof IntegerType) {
      return Source.INT;
    } else if (t instanceof LongType) {
      return Source.LONG;
    } else if (t instanceof ShortType) {
      return Source.SHORT;
    } else if (t instanceof ByteType) {
      return Source.BYTE;
    } else if (t instanceof BooleanType) {
      return Source.BOOLEAN;
    }
    return null;
  }

  /** Whether {@code t} is MLlib's VectorUDT, or any UDT stored the way it is. */
  public static boolean isVectorUdt(DataType t) {
    if (!(t instanceof UserDefinedType<?> udt) || !(udt.sqlType() instanceof StructType s)) {
      return false;
    }
    StructField[] f = s.fields();
    return f.length == 4
        && f[0].name().equals("type")
        && f[0].dataType() instanceof ByteType
        && f[1].name().equals("size")
        && f[1].dataType() instanceof IntegerType
        && f[2].name().equals("indices")
        && f[2].dataType() instanceof ArrayType ai
        && ai.elementType() instanceof IntegerType
        && f[3].name().equals("values")
        && f[3].dataType() instanceof ArrayType av
        && av.elementType() instanceof DoubleType;
  }

  int elementSize() {
    return switch (dtype) {
      case BOOL -> 1;
      case I32, F32 -> 4;
      case I64, F64 -> 8;
    };
  }

  /** Bytes per example in a batch buffer. */
  long rowBytes() {
    return (long) elements * elementSize();
  }

  String describe() {
    return dtype.shortName() + " from Spark " + source.name().toLowerCase();
  }

  /**
   * Copies the row's value into the buffer at {@code (base, offset)} (the example's first element).
   *
   * @return null when the value is a good example, else what is wrong with it
   */
  String gather(InternalRow row, Object base, long offset) {
    if (row.isNullAt(ordinal)) {
      return "null";
    }
    switch (kind) {
      case SCALAR:
        putScalar(row, base, offset);
        return null;
      case ARRAY:
        {
          ArrayData a = row.getArray(ordinal);
          int n = a.numElements();
          if (n != elements) {
            return "array of " + n + " element" + (n == 1 ? "" : "s");
          }
          int nul = firstNull(a, n);
          if (nul >= 0) {
            return "null element at index " + nul;
          }
          copyElements(a, n, base, offset);
          return null;
        }
      case NESTED:
        return gatherNested(row.getArray(ordinal), 0, new int[depth], new int[depth], base, offset);
      case VECTOR:
        return gatherVector(row.getStruct(ordinal, 4), base, offset);
      default:
        throw new IllegalStateException(kind.toString());
    }
  }

  private void putScalar(InternalRow row, Object base, long offset) {
    switch (source) {
      case FLOAT -> Platform.putFloat(base, offset, row.getFloat(ordinal));
      case DOUBLE -> Platform.putDouble(base, offset, row.getDouble(ordinal));
      case INT -> Platform.putInt(base, offset, row.getInt(ordinal));
      case SHORT -> Platform.putInt(base, offset, row.getShort(ordinal));
      case BYTE -> Platform.putInt(base, offset, row.getByte(ordinal));
      case LONG -> Platform.putLong(base, offset, row.getLong(ordinal));
      case BOOLEAN -> Platform.putBoolean(base, offset, row.getBoolean(ordinal));
    }
  }

  /**
   * The first null element's index, or -1; reads UnsafeArrayData's null bitmap a word at a time.
   */
  static int firstNull(ArrayData a, int n) {
    if (a instanceof UnsafeArrayData u) {
      Object b = u.getBaseObject();
      long o = u.getBaseOffset() + 8;
      int words = (n + 63) / 64;
      for (int w = 0; w < words; w++) {
        long bits = Platform.getLong(b, o + 8L * w);
        if (bits != 0) {
          return w * 64 + Long.numberOfTrailingZeros(bits);
        }
      }
      return -1;
    }
    for (int i = 0; i < n; i++) {
      if (a.isNullAt(i)) {
        return i;
      }
    }
    return -1;
  }

  /** Copies {@code n} elements: in bulk when Spark's layout is the tensor's, else one by one. */
  private void copyElements(ArrayData a, int n, Object base, long offset) {
    int size = elementSize();
    boolean same =
        switch (source) {
          case FLOAT, DOUBLE, INT, LONG, BOOLEAN -> true;
          case BYTE, SHORT -> false;
        };
    if (same && a instanceof UnsafeArrayData u) {
      long header = UnsafeArrayData.calculateHeaderPortionInBytes(n);
      Platform.copyMemory(
          u.getBaseObject(), u.getBaseOffset() + header, base, offset, (long) n * size);
      return;
    }
    for (int i = 0; i < n; i++) {
      long at = offset + (long) i * size;
      switch (source) {
        case FLOAT -> Platform.putFloat(base, at, a.getFloat(i));
        case DOUBLE -> Platform.putDouble(base, at, a.getDouble(i));
        case INT -> Platform.putInt(base, at, a.getInt(i));
        case SHORT -> Platform.putInt(base, at, a.getShort(i));
        case BYTE -> Platform.putInt(base, at, a.getByte(i));
        case LONG -> Platform.putLong(base, at, a.getLong(i));
        case BOOLEAN -> Platform.putBoolean(base, at, a.getBoolean(i));
      }
    }
  }

  private String gatherNested(
      ArrayData a, int level, int[] index, int[] firstLength, Object base, long offset) {
    int n = a.numElements();
    if (n != shape[level]) {
      if (level > 0 && firstLength[level] >= 0 && n != firstLength[level]) {
        return "ragged nested array: the array at "
            + position(index, level)
            + " has "
            + n
            + " elements but the one at "
            + position(new int[level], level)
            + " has "
            + firstLength[level];
      }
      return "nested array with "
          + n
          + " elements at "
          + (level == 0 ? "the top level" : position(index, level))
          + " (dimension "
          + level
          + ")";
    }
    if (level == 0) {
      Arrays.fill(firstLength, -1);
    }
    if (firstLength[level] < 0) {
      firstLength[level] = n;
    }
    int nul = firstNull(a, n);
    if (nul >= 0) {
      index[level] = nul;
      return "null element at " + position(index, level + 1);
    }
    if (level == depth - 1) {
      copyElements(a, n, base, offset);
      return null;
    }
    long stride = (long) elementSize();
    for (int d = level + 1; d < depth; d++) {
      stride *= shape[d];
    }
    for (int i = 0; i < n; i++) {
      index[level] = i;
      String problem =
          gatherNested(a.getArray(i), level + 1, index, firstLength, base, offset + i * stride);
      if (problem != null) {
        return problem;
      }
    }
    return null;
  }

  private static String position(int[] index, int length) {
    StringBuilder s = new StringBuilder("[");
    for (int i = 0; i < length; i++) {
      s.append(i == 0 ? "" : ", ").append(index[i]);
    }
    return s.append(']').toString();
  }

  private String gatherVector(InternalRow v, Object base, long offset) {
    byte type = v.getByte(0);
    ArrayData values = v.getArray(3);
    if (type == 1) {
      int n = values.numElements();
      if (n != elements) {
        return "dense vector of size " + n;
      }
      copyElements(values, n, base, offset);
      return null;
    }
    int size = v.getInt(1);
    if (size != elements) {
      return "sparse vector of size " + size;
    }
    Platform.setMemory(base, offset, rowBytes(), (byte) 0);
    ArrayData indices = v.getArray(2);
    int nnz = indices.numElements();
    for (int k = 0; k < nnz; k++) {
      int i = indices.getInt(k);
      if (i < 0 || i >= size) {
        return "sparse vector with index " + i + " out of range";
      }
      Platform.putDouble(base, offset + 8L * i, values.getDouble(k));
    }
    return null;
  }

  /** The first non-finite element of an example already gathered, as a message, or null. */
  String nonFinite(Object base, long offset) {
    if (dtype == DType.F32) {
      for (int i = 0; i < elements; i++) {
        float x = Platform.getFloat(base, offset + 4L * i);
        if (!Float.isFinite(x)) {
          return x + " at " + flatPosition(i) + " (non-finite values are rejected)";
        }
      }
    } else if (dtype == DType.F64) {
      for (int i = 0; i < elements; i++) {
        double x = Platform.getDouble(base, offset + 8L * i);
        if (!Double.isFinite(x)) {
          return x + " at " + flatPosition(i) + " (non-finite values are rejected)";
        }
      }
    }
    return null;
  }

  private String flatPosition(int flat) {
    if (shape.length == 0) {
      return "the value";
    }
    int[] idx = new int[shape.length];
    for (int d = shape.length - 1; d >= 0; d--) {
      idx[d] = flat % shape[d];
      flat /= shape[d];
    }
    return "index " + (shape.length == 1 ? String.valueOf(idx[0]) : Arrays.toString(idx));
  }
}
