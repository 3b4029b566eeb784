package org.vmap4j.spark.executor;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructType;
import org.vmap4j.DType;
import org.vmap4j.Tensor;
import org.vmap4j.spark.VmapUdf;

/**
 * A batch of {@link Row}s as the example pytree a per-example function receives under {@code vmap}:
 * one column gives a {@code [n, ...]} tensor, several a {@code Map<String, Tensor>}. Used where the
 * rows must be reduced inside the batch (the clipped gradient sum of a DataFrame), so {@link
 * VmapUdf}'s row-to-row machinery does not apply.
 *
 * <p>Numeric and boolean scalars and (nested) arrays of them are read, with the dtypes {@link
 * InputColumn} gives them; each example's shape is its nesting, and every row must have the same.
 * Values travel through {@code double}, exact for every float and for integers up to 2^53.
 */
public final class RowBatch implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String transform;
  private final String[] columns;
  private final DType[] dtypes;

  private RowBatch(String transform, String[] columns, DType[] dtypes) {
    this.transform = transform;
    this.columns = columns;
    this.dtypes = dtypes;
  }

  /** The reader of {@code columns} of {@code schema}; unsupported column types fail here. */
  public static RowBatch of(String transform, StructType schema, List<String> columns) {
    DType[] dtypes = new DType[columns.size()];
    for (int i = 0; i < dtypes.length; i++) {
      String c = columns.get(i);
      if (!Arrays.asList(schema.fieldNames()).contains(c)) {
        throw new IllegalArgumentException(
            transform
                + ": input column '"
                + c
                + "' is not in the DataFrame; its columns are "
                + Arrays.toString(schema.fieldNames()));
      }
      DataType t = schema.apply(c).dataType();
      DataType e = t;
      while (e instanceof ArrayType a) {
        e = a.elementType();
      }
      InputColumn.Source s = InputColumn.sourceOf(e);
      if (s == null) {
        throw new IllegalArgumentException(
            transform
                + ": input column '"
                + c
                + "' is "
                + t.simpleString()
                + "; this reads numeric or boolean scalars and (nested) arrays of them");
      }
      dtypes[i] = InputColumn.dtypeOf(s);
    }
    return new RowBatch(transform, columns.toArray(new String[0]), dtypes);
  }

  /**
   * The rows' examples, rows selected to exactly the input columns in order; {@code where} names
   * the rows' place (a partition) in errors.
   */
  public Object read(List<Row> rows, String where) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (int c = 0; c < columns.length; c++) {
      out.put(columns[c], column(rows, c, where));
    }
    return columns.length == 1 ? out.get(columns[0]) : out;
  }

  private Tensor column(List<Row> rows, int c, String where) {
    int[] shape = null;
    int size = 0;
    double[] values = new double[0];
    for (int r = 0; r < rows.size(); r++) {
      Object v = rows.get(r).get(c);
      List<Integer> s = new ArrayList<>();
      shapeOf(v, s, r, c, where);
      int[] rowShape = s.stream().mapToInt(Integer::intValue).toArray();
      if (shape == null) {
        shape = rowShape;
        size = Arrays.stream(shape).reduce(1, Math::multiplyExact);
        values = new double[Math.multiplyExact(size, rows.size())];
      } else if (!Arrays.equals(shape, rowShape)) {
        throw new IllegalArgumentException(
            transform
                + ": column '"
                + columns[c]
                + "' has shape "
                + Arrays.toString(rowShape)
                + " in row "
                + r
                + " of "
                + where
                + " but "
                + Arrays.toString(shape)
                + " in its first row; every example needs the same shape");
      }
      int[] at = {r * size};
      int end = at[0] + size;
      if (!fill(v, values, at, end) || at[0] != end) {
        throw new IllegalArgumentException(
            transform
                + ": column '"
                + columns[c]
                + "' is ragged in row "
                + r
                + " of "
                + where
                + ": its inner arrays differ in length (the first ones give shape "
                + Arrays.toString(shape)
                + ")");
      }
    }
    int[] batchShape = new int[(shape == null ? 0 : shape.length) + 1];
    batchShape[0] = rows.size();
    if (shape != null) {
      System.arraycopy(shape, 0, batchShape, 1, shape.length);
    }
    Tensor t = Tensor.of(values, batchShape);
    return dtypes[c] == DType.F64 ? t : t.astype(dtypes[c]);
  }

  private void shapeOf(Object v, List<Integer> shape, int row, int c, String where) {
    if (v == null) {
      throw new IllegalArgumentException(
          transform
              + ": column '"
              + columns[c]
              + "' is null in row "
              + row
              + " of "
              + where
              + "; drop or fill such rows first (df.na().drop())");
    }
    if (v instanceof Number || v instanceof Boolean) {
      return;
    }
    List<?> list = asList(v);
    shape.add(list.size());
    if (!list.isEmpty()) {
      shapeOf(list.get(0), shape, row, c, where);
    }
  }

  /** Writes v's elements from at[0] on; false if there are more than fit before {@code end}. */
  private static boolean fill(Object v, double[] out, int[] at, int end) {
    if (v instanceof Number || v instanceof Boolean) {
      if (at[0] >= end) {
        return false;
      }
      out[at[0]++] = v instanceof Number n ? n.doubleValue() : ((Boolean) v ? 1 : 0);
      return true;
    }
    if (v == null) {
      return false;
    }
    for (Object o : asList(v)) {
      if (!fill(o, out, at, end)) {
        return false;
      }
    }
    return true;
  }

  private static List<?> asList(Object v) {
    if (v instanceof List<?> l) {
      return l;
    }
    return scala.jdk.javaapi.CollectionConverters.asJava((scala.collection.Seq<?>) v);
  }
}
