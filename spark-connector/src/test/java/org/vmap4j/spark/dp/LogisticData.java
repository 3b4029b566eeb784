package org.vmap4j.spark.dp;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.vmap4j.Tensor;

/** Logistic regression: the loss, its hand-written gradient, and DataFrames of examples. */
final class LogisticData {
  private LogisticData() {}

  record Params(Tensor w, Tensor b) {}

  static final StructType SCHEMA =
      new StructType()
          .add("id", DataTypes.LongType)
          .add("features", DataTypes.createArrayType(DataTypes.DoubleType))
          .add("label", DataTypes.DoubleType);

  /**
   * Logistic loss of one example from its logit: {@code softplus(z) - y z}, softplus as the
   * logSumExp of {@code (0, z)} (docs/spark.md's form), smooth everywhere and stable for large
   * logits, so its autodiff gradient is {@code (sigmoid(z) - y) (x, 1)} also at {@code z = 0}.
   */
  static Tensor loss(Params p, Map<String, Tensor> e) {
    Tensor z = e.get("features").dot(p.w()).add(p.b());
    return Tensor.stack(0, z.mul(0), z).logSumExp(0).sub(e.get("label").mul(z));
  }

  /** d loss / d (w, b) of one example, by hand: (sigmoid(z) - y) * (x, 1). */
  static double[] gradient(double[] wb, double[] x, double y) {
    int d = x.length;
    double z = wb[d];
    for (int i = 0; i < d; i++) {
      z += x[i] * wb[i];
    }
    double r = 1 / (1 + Math.exp(-z)) - y;
    double[] g = new double[d + 1];
    for (int i = 0; i < d; i++) {
      g[i] = r * x[i];
    }
    g[d] = r;
    return g;
  }

  static Dataset<Row> frame(SparkSession spark, double[][] x, double[] y, int partitions) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < x.length; i++) {
      rows.add(RowFactory.create((long) i, x[i], y[i]));
    }
    return spark.createDataFrame(
        new JavaSparkContext(spark.sparkContext()).parallelize(rows, partitions), SCHEMA);
  }

  static double[] features(Row r) {
    List<Object> v = r.getList(r.fieldIndex("features"));
    double[] out = new double[v.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = ((Number) v.get(i)).doubleValue();
    }
    return out;
  }

  static double label(Row r) {
    return r.getDouble(r.fieldIndex("label"));
  }
}
