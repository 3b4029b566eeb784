package org.vmap4j.arrow;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.ValueVector;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.vmap4j.DType;

/**
 * Test references written independently of the module: Arrow columns built and read one element at
 * a time with Arrow's own setters and getters, random data, and bitwise array comparison.
 */
final class Columns {
  private Columns() {}

  static final float[] SPECIAL_FLOATS = {
    Float.NaN,
    Float.intBitsToFloat(0x7fc0_1234), // a NaN with a payload: must survive bit for bit
    Float.POSITIVE_INFINITY,
    Float.NEGATIVE_INFINITY,
    -0.0f,
    Float.MIN_VALUE,
    Float.MAX_VALUE
  };
  static final double[] SPECIAL_DOUBLES = {
    Double.NaN,
    Double.longBitsToDouble(0x7ff8_0000_dead_beefL),
    Double.POSITIVE_INFINITY,
    Double.NEGATIVE_INFINITY,
    -0.0,
    Double.MIN_VALUE,
    Double.MAX_VALUE
  };

  /** Random elements; floating data includes NaN, NaN payloads, infinities and -0 now and then. */
  static Object randomData(DType dtype, int n, Random rnd) {
    switch (dtype) {
      case F32 -> {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
          a[i] =
              rnd.nextInt(8) == 0
                  ? SPECIAL_FLOATS[rnd.nextInt(SPECIAL_FLOATS.length)]
                  : (float) rnd.nextGaussian();
        }
        return a;
      }
      case F64 -> {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
          a[i] =
              rnd.nextInt(8) == 0
                  ? SPECIAL_DOUBLES[rnd.nextInt(SPECIAL_DOUBLES.length)]
                  : rnd.nextGaussian();
        }
        return a;
      }
      case I32 -> {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
          a[i] = rnd.nextInt();
        }
        return a;
      }
      case I64 -> {
        long[] a = new long[n];
        for (int i = 0; i < n; i++) {
          a[i] = rnd.nextLong();
        }
        return a;
      }
      case BOOL -> {
        boolean[] a = new boolean[n];
        for (int i = 0; i < n; i++) {
          a[i] = rnd.nextBoolean();
        }
        return a;
      }
    }
    throw new AssertionError(dtype);
  }

  static ArrowType arrowType(DType dtype) {
    return switch (dtype) {
      case F32 -> new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE);
      case F64 -> new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE);
      case I32 -> new ArrowType.Int(32, true);
      case I64 -> new ArrowType.Int(64, true);
      case BOOL -> ArrowType.Bool.INSTANCE;
    };
  }

  /** Sets element {@code i} of a primitive vector to {@code data[k]} with Arrow's setter. */
  static void set(ValueVector leaf, int i, Object data, int k) {
    if (leaf instanceof Float4Vector v) {
      v.setSafe(i, ((float[]) data)[k]);
    } else if (leaf instanceof Float8Vector v) {
      v.setSafe(i, ((double[]) data)[k]);
    } else if (leaf instanceof IntVector v) {
      v.setSafe(i, ((int[]) data)[k]);
    } else if (leaf instanceof BigIntVector v) {
      v.setSafe(i, ((long[]) data)[k]);
    } else {
      ((BitVector) leaf).setSafe(i, ((boolean[]) data)[k] ? 1 : 0);
    }
  }

  /** The first {@code count} elements of a primitive vector, read with Arrow's getters. */
  static Object get(ValueVector leaf, int count) {
    if (leaf instanceof Float4Vector v) {
      float[] a = new float[count];
      for (int i = 0; i < count; i++) {
        a[i] = v.get(i);
      }
      return a;
    } else if (leaf instanceof Float8Vector v) {
      double[] a = new double[count];
      for (int i = 0; i < count; i++) {
        a[i] = v.get(i);
      }
      return a;
    } else if (leaf instanceof IntVector v) {
      int[] a = new int[count];
      for (int i = 0; i < count; i++) {
        a[i] = v.get(i);
      }
      return a;
    } else if (leaf instanceof BigIntVector v) {
      long[] a = new long[count];
      for (int i = 0; i < count; i++) {
        a[i] = v.get(i);
      }
      return a;
    }
    BitVector v = (BitVector) leaf;
    boolean[] a = new boolean[count];
    for (int i = 0; i < count; i++) {
      a[i] = v.get(i) == 1;
    }
    return a;
  }

  /** A primitive column holding {@code data}, built element by element. */
  static FieldVector primitive(String name, DType dtype, Object data, BufferAllocator allocator) {
    FieldVector v = Field.nullable(name, arrowType(dtype)).createVector(allocator);
    int n = java.lang.reflect.Array.getLength(data);
    v.setInitialCapacity(Math.max(n, 1));
    v.allocateNew();
    for (int i = 0; i < n; i++) {
      set(v, i, data, i);
    }
    v.setValueCount(n);
    return v;
  }

  /** A nested FixedSizeList field, one level per dimension of rowShape (at least one). */
  static Field fixedSizeListField(String name, DType dtype, int[] rowShape) {
    Field child = Field.nullable("item", arrowType(dtype));
    for (int k = rowShape.length - 1; k >= 0; k--) {
      child =
          new Field(
              k == 0 ? name : "item",
              FieldType.nullable(new ArrowType.FixedSizeList(rowShape[k])),
              List.of(child));
    }
    return child;
  }

  /** A nested FixedSizeList column of {@code rows} rows, built element by element. */
  static FixedSizeListVector fixedSizeList(
      String name, DType dtype, int rows, int[] rowShape, Object data, BufferAllocator allocator) {
    FixedSizeListVector top =
        (FixedSizeListVector) fixedSizeListField(name, dtype, rowShape).createVector(allocator);
    fillFixedSizeList(top, rows, data);
    return top;
  }

  /** Fills a (possibly extension-wrapped) FixedSizeList nest, element by element, no nulls. */
  static void fillFixedSizeList(FixedSizeListVector top, int rows, Object data) {
    top.setInitialCapacity(Math.max(rows, 1));
    top.allocateNew();
    int count = rows;
    ValueVector v = top;
    while (v instanceof FixedSizeListVector level) {
      for (int e = 0; e < count; e++) {
        level.setNotNull(e);
      }
      count *= level.getListSize();
      v = level.getDataVector();
    }
    for (int k = 0; k < count; k++) {
      set(v, k, data, k);
    }
    top.setValueCount(rows);
  }

  /**
   * A List column: row i has {@code lengths[i]} elements taken in order from {@code data}, or is
   * null (taking no elements) when {@code nullRows[i]}.
   */
  static ListVector list(
      String name,
      DType dtype,
      int[] lengths,
      boolean[] nullRows,
      Object data,
      BufferAllocator allocator) {
    ListVector list =
        (ListVector)
            new Field(
                    name,
                    FieldType.nullable(ArrowType.List.INSTANCE),
                    List.of(Field.nullable("item", arrowType(dtype))))
                .createVector(allocator);
    list.allocateNew();
    ValueVector child = list.getDataVector();
    int k = 0;
    for (int i = 0; i < lengths.length; i++) {
      if (nullRows != null && nullRows[i]) {
        list.setNull(i);
        continue;
      }
      int start = list.startNewValue(i);
      for (int j = 0; j < lengths[i]; j++) {
        set(child, start + j, data, k++);
      }
      list.endValue(i, lengths[i]);
    }
    list.setValueCount(lengths.length);
    return list;
  }

  /** Arrays equal element by element; floating elements compared by their raw bits. */
  static boolean bitsEqual(Object a, Object b) {
    if (a instanceof float[] x && b instanceof float[] y) {
      if (x.length != y.length) {
        return false;
      }
      for (int i = 0; i < x.length; i++) {
        if (Float.floatToRawIntBits(x[i]) != Float.floatToRawIntBits(y[i])) {
          return false;
        }
      }
      return true;
    }
    if (a instanceof double[] x && b instanceof double[] y) {
      if (x.length != y.length) {
        return false;
      }
      for (int i = 0; i < x.length; i++) {
        if (Double.doubleToRawLongBits(x[i]) != Double.doubleToRawLongBits(y[i])) {
          return false;
        }
      }
      return true;
    }
    return java.util.Objects.deepEquals(a, b);
  }

  /** A field's types down to its leaf, without names: {@code [FixedSizeList(3), Int(32, true)]}. */
  static List<ArrowType> types(Field field) {
    List<ArrowType> out = new ArrayList<>();
    for (Field f = field;
        f != null;
        f = f.getChildren().isEmpty() ? null : f.getChildren().get(0)) {
      out.add(f.getType());
    }
    return out;
  }

  /** Asserts that two arrays hold the same elements, floating ones bit for bit. */
  static void assertSameElements(Object actual, Object expected) {
    org.assertj.core.api.Assertions.assertThat(bitsEqual(actual, expected))
        .as("elements %s, expected %s", str(actual), str(expected))
        .isTrue();
  }

  static String str(Object array) {
    int n = java.lang.reflect.Array.getLength(array);
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < Math.min(n, 64); i++) {
      sb.append(i == 0 ? "" : ", ").append(java.lang.reflect.Array.get(array, i));
    }
    return sb.append(n > 64 ? ", ...]" : "]").toString();
  }

  /** The tensor's elements in row-major order as an array of its own dtype. */
  static Object elements(org.vmap4j.Tensor t) {
    return switch (t.dtype()) {
      case F32 -> t.toFloatArray();
      case F64 -> t.toDoubleArray();
      case I32 -> t.toIntArray();
      case I64 -> t.toLongArray();
      case BOOL -> t.toBooleanArray();
    };
  }

  static int size(int[] shape) {
    int n = 1;
    for (int d : shape) {
      n *= d;
    }
    return n;
  }

  static int[] prepend(int rows, int[] rowShape) {
    int[] out = new int[rowShape.length + 1];
    out[0] = rows;
    System.arraycopy(rowShape, 0, out, 1, rowShape.length);
    return out;
  }

  static List<Integer> boxed(int[] a) {
    List<Integer> out = new ArrayList<>();
    for (int x : a) {
      out.add(x);
    }
    return out;
  }
}
