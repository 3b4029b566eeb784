package org.vmap4j.it;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.StringJoiner;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.vmap4j.Tensor;

/**
 * What {@link SparkConnectTest} (the remote client) and {@link ClassicReference} (the classic
 * connector, in another JVM) both compute: the rows and the per-example functions, written once.
 * Uses only vmap4j's core and Spark's API classes (Row, types), which both JVMs have.
 */
final class ConnectFixtures {
  private ConnectFixtures() {}

  static final int ROWS = 60;
  static final double[] W = {0.5, -1, 2};
  static final double CLIP = 0.5;

  record Params(Tensor w, Tensor b) {}

  static final StructType SCHEMA =
      new StructType(
          new StructField[] {
            new StructField("id", DataTypes.LongType, false, Metadata.empty()),
            new StructField(
                "x",
                DataTypes.createArrayType(DataTypes.DoubleType, false),
                true,
                Metadata.empty()),
            new StructField("label", DataTypes.DoubleType, false, Metadata.empty())
          });

  /** Seeded rows {@code id, x (3 doubles), label}; with a null x at row 17 when asked. */
  static List<Row> rows(int n, boolean withNull) {
    Random r = new Random(7);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      double[] x = {r.nextGaussian(), r.nextGaussian(), r.nextGaussian()};
      Object xs = withNull && i == 17 ? null : x;
      rows.add(RowFactory.create((long) i, xs, (double) r.nextInt(2)));
    }
    return rows;
  }

  static double[] x(int row) {
    return rows(ROWS, false).get(row).<double[]>getAs(1);
  }

  static Tensor score(Tensor x) {
    return x.dot(Tensor.of(W)).tanh();
  }

  static Tensor weighted(Tensor w, Tensor x) {
    return x.mul(w).sum().add(x.max());
  }

  static Tensor weights() {
    return Tensor.of(new double[] {1, 2, 3});
  }

  static Tensor loss(Params p, Map<String, Tensor> row) {
    Tensor z = row.get("x").dot(p.w()).add(p.b());
    // softplus(z) - y z, softplus as a logSumExp with 0: smooth and stable
    return Tensor.stack(0, z.mul(0), z).logSumExp(0).sub(row.get("label").mul(z));
  }

  static Params params() {
    return new Params(Tensor.of(new double[] {0.3, -0.2, 0.7}), Tensor.scalar(0.1));
  }

  static Tensor field(Tensor v) {
    return v.sin().mul(v.sum());
  }

  static final String SQL = "SELECT id, score(x) AS s FROM points WHERE score(x) > 0.2";

  /** A row's numbers after its first field (the id), flattened, as exact decimal strings. */
  static String numbers(Row row) {
    StringJoiner s = new StringJoiner(" ");
    for (int f = 1; f < row.size(); f++) {
      flatten(row.get(f), s);
    }
    return s.toString();
  }

  private static void flatten(Object o, StringJoiner out) {
    if (o instanceof Number n) {
      out.add(Double.toString(n.doubleValue()));
    } else if (o instanceof scala.collection.Iterable<?> it) {
      it.foreach(
          v -> {
            flatten(v, out);
            return null;
          });
    } else if (o instanceof Iterable<?> it) {
      it.forEach(v -> flatten(v, out));
    } else if (o instanceof Row r) {
      for (int f = 0; f < r.size(); f++) {
        flatten(r.get(f), out);
      }
    } else {
      out.add(String.valueOf(o));
    }
  }
}
