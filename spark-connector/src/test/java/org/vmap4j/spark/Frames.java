package org.vmap4j.spark;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.vmap4j.Tensor;

/** Test data: DataFrames from tensors, and columns of collected rows back as tensors. */
final class Frames {
  private Frames() {}

  static final StructType ID_X =
      new StructType()
          .add("id", DataTypes.LongType, false)
          .add("x", DataTypes.createArrayType(DataTypes.DoubleType), true);

  /** Rows (id, x[i]) of an F64 {@code [N, D]} tensor, in {@code partitions} slices. */
  static Dataset<Row> idX(SparkSession spark, Tensor x, int partitions) {
    int n = x.shape()[0];
    int d = x.shape()[1];
    double[] v = x.toDoubleArray();
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      double[] r = new double[d];
      System.arraycopy(v, i * d, r, 0, d);
      rows.add(RowFactory.create((long) i, r));
    }
    return frame(spark, rows, ID_X, partitions);
  }

  /** The rows in order, cut into {@code partitions} contiguous partitions. */
  static Dataset<Row> frame(SparkSession spark, List<Row> rows, StructType schema, int partitions) {
    return spark.createDataFrame(
        new org.apache.spark.api.java.JavaSparkContext(spark.sparkContext())
            .parallelize(rows, partitions),
        schema);
  }

  /** A column of F64 arrays (any nesting) of collected rows as an F64 tensor {@code [N, ...]}. */
  static Tensor f64(List<Row> rows, String column) {
    List<Double> values = new ArrayList<>();
    int[] rowShape = null;
    for (Row r : rows) {
      List<Integer> shape = new ArrayList<>();
      flatten(r.get(r.fieldIndex(column)), values, shape, 0);
      int[] s = shape.stream().mapToInt(Integer::intValue).toArray();
      if (rowShape == null) {
        rowShape = s;
      }
    }
    int[] shape = new int[(rowShape == null ? 0 : rowShape.length) + 1];
    shape[0] = rows.size();
    if (rowShape != null) {
      System.arraycopy(rowShape, 0, shape, 1, rowShape.length);
    }
    double[] a = new double[values.size()];
    for (int i = 0; i < a.length; i++) {
      a[i] = values.get(i);
    }
    return Tensor.of(a, shape);
  }

  private static void flatten(Object v, List<Double> out, List<Integer> shape, int level) {
    if (v instanceof Number n) {
      out.add(n.doubleValue());
      return;
    }
    List<?> list =
        v instanceof List<?> l
            ? l
            : scala.jdk.javaapi.CollectionConverters.asJava((scala.collection.Seq<?>) v);
    if (shape.size() == level) {
      shape.add(list.size());
    }
    for (Object o : list) {
      flatten(o, out, shape, level + 1);
    }
  }

  static List<Long> ids(List<Row> rows) {
    List<Long> ids = new ArrayList<>();
    for (Row r : rows) {
      ids.add(r.getLong(r.fieldIndex("id")));
    }
    return ids;
  }

  static List<Long> range(long n) {
    List<Long> ids = new ArrayList<>();
    for (long i = 0; i < n; i++) {
      ids.add(i);
    }
    return ids;
  }
}
