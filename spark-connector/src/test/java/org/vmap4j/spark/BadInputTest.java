package org.vmap4j.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.vmap4j.spark.VmapFunctions.vmapUdf;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.SparkException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vmap4j.Func;
import org.vmap4j.Tensor;

/**
 * Every kind of bad input, with its message checked: by default the job fails naming the column,
 * partition, row and expected shape; with an error column the row stays, its outputs null.
 *
 * <p>The frames have 10 rows in 2 partitions of 5 ({@code parallelize} slices contiguously), and
 * the bad value is in row 7: partition 1, row 2 of that partition (checked with {@code
 * spark_partition_id()} too).
 */
@ExtendWith(SharedSpark.class)
class BadInputTest {
  static final int BAD = 7;

  /** 10 rows (id, x); row {@link #BAD}'s x is {@code bad}, the others are [i, i+1, i+2]. */
  static Dataset<Row> withBadRow(SparkSession spark, StructType schema, Object bad) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      rows.add(RowFactory.create((long) i, i == BAD ? bad : new double[] {i, i + 1, i + 2}));
    }
    return Frames.frame(spark, rows, schema, 2);
  }

  static Dataset<Row> withBadRow(SparkSession spark, Object bad) {
    return withBadRow(spark, Frames.ID_X, bad);
  }

  static VmapUdf sum() {
    return vmapUdf((Tensor v) -> v.sum()).inputColumns("x").shape("x", 3);
  }

  static void assertFails(Dataset<Row> df, VmapUdf udf, String problem, String expected) {
    assertThatThrownBy(() -> udf.transform(df).collectAsList())
        .isInstanceOf(SparkException.class)
        .hasMessageContaining(BadInputException.class.getName())
        .hasMessageContaining(
            "column 'x', partition 1, row 2: "
                + problem
                + "; expected a per-example shape of "
                + expected);
  }

  @Test
  void theBadRowIsInPartitionOneAtIndexTwo(SparkSession spark) {
    Row r =
        withBadRow(spark, null)
            .withColumn("p", functions.spark_partition_id())
            .where("id = " + BAD)
            .first();
    assertThat(r.getInt(r.fieldIndex("p"))).isEqualTo(1);
  }

  @Test
  void aNullRowFails(SparkSession spark) {
    assertFails(withBadRow(spark, null), sum(), "null", "[3] (f64 from Spark double)");
  }

  @Test
  void anArrayOfTheWrongLengthFails(SparkSession spark) {
    assertFails(withBadRow(spark, new double[] {1, 2}), sum(), "array of 2 elements", "[3]");
  }

  @Test
  void anArrayOfTheWrongLengthFailsAgainstADeclaredMultiDimensionalShape(SparkSession spark) {
    assertFails(
        withBadRow(spark, new double[] {1, 2}),
        vmapUdf((Tensor v) -> v.sum()).inputColumns("x").shape("x", 3, 1),
        "array of 2 elements",
        "[3, 1]");
  }

  @Test
  void aNullElementFails(SparkSession spark) {
    assertFails(
        withBadRow(spark, new Double[] {1.0, null, 3.0}), sum(), "null element at index 1", "[3]");
  }

  @ParameterizedTest
  @ValueSource(doubles = {Double.NaN, Double.POSITIVE_INFINITY})
  void aNonFiniteValueFailsWhenThePolicyRejectsIt(double value, SparkSession spark) {
    Dataset<Row> df = withBadRow(spark, new double[] {1, 2, value});
    assertFails(
        df, sum().rejectNonFinite(), value + " at index 2 (non-finite values are rejected)", "[3]");
    assertFails(
        df,
        sum().rejectNonFinite().arrowBatches(false),
        value + " at index 2 (non-finite values are rejected)",
        "[3]");

    List<Row> allowed = sum().transform(df).collectAsList();
    assertThat(allowed.get(BAD).get(2)).isEqualTo(value);
  }

  static final StructType NESTED =
      new StructType()
          .add("id", DataTypes.LongType)
          .add("x", DataTypes.createArrayType(DataTypes.createArrayType(DataTypes.DoubleType)));

  static Dataset<Row> nested(SparkSession spark, Object bad) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      rows.add(
          RowFactory.create(
              (long) i, i == BAD ? bad : new Object[] {new double[] {i, 1}, new double[] {2, 3}}));
    }
    return Frames.frame(spark, rows, NESTED, 2);
  }

  @Test
  void aRaggedNestedArrayFails(SparkSession spark) {
    VmapUdf udf = vmapUdf((Tensor m) -> m.sum()).inputColumns("x").shape("x", 2, 2);
    assertFails(
        nested(spark, new Object[] {new double[] {1, 2}, new double[] {3}}),
        udf,
        "ragged nested array: the array at [1] has 1 elements but the one at [0] has 2",
        "[2, 2]");
    assertFails(
        nested(spark, new Object[] {new double[] {1, 2}, new double[] {3, 4}, new double[] {5, 6}}),
        udf,
        "nested array with 3 elements at the top level (dimension 0)",
        "[2, 2]");
    assertFails(
        nested(spark, new Object[] {new double[] {1, 2, 3}, new double[] {3, 4, 5}}),
        udf,
        "nested array with 3 elements at [0] (dimension 1)",
        "[2, 2]");
    assertFails(
        nested(spark, new Object[] {new double[] {1, 2}, null}),
        udf,
        "null element at [1]",
        "[2, 2]");
  }

  @Test
  void aSparseVectorOfTheWrongSizeFails(SparkSession spark) {
    StructType schema =
        new StructType().add("id", DataTypes.LongType).add("x", new TestVectorUDT());
    Dataset<Row> bad =
        withVectors(spark, schema, TestVector.sparse(5, new int[] {4}, new double[] {1}));
    assertFails(bad, sum(), "sparse vector of size 5", "[3]");
    Dataset<Row> dense = withVectors(spark, schema, TestVector.dense(1, 2));
    assertFails(dense, sum(), "dense vector of size 2", "[3]");
  }

  static Dataset<Row> withVectors(SparkSession spark, StructType schema, TestVector bad) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      rows.add(RowFactory.create((long) i, i == BAD ? bad : TestVector.dense(i, 1, 2)));
    }
    return Frames.frame(spark, rows, schema, 2);
  }

  @Test
  void aNullScalarFails(SparkSession spark) {
    StructType schema =
        new StructType().add("id", DataTypes.LongType).add("x", DataTypes.FloatType);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      rows.add(RowFactory.create((long) i, i == BAD ? null : (float) i));
    }
    Dataset<Row> df = Frames.frame(spark, rows, schema, 2);
    assertFails(
        df, vmapUdf((Tensor v) -> v.mul(2)).inputColumns("x"), "null", "[] (f32 from Spark float)");
  }

  @Test
  void withAnErrorColumnEveryRowStaysBadRowsGetNullOutputsAndTheReason(SparkSession spark) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      Object x =
          switch (i) {
            case 1 -> null;
            case 4 -> new double[] {1, 2};
            case 8 -> new double[] {1, Double.NaN, 3};
            case 9 -> new Double[] {null, 1.0, 2.0};
            default -> new double[] {i, -i, 0.5 * i};
          };
      rows.add(RowFactory.create((long) i, x));
    }
    Dataset<Row> df = Frames.frame(spark, rows, Frames.ID_X, 3);
    for (boolean arrow : new boolean[] {true, false}) {
      SerializableFunction<Tensor, Tensor> f = v -> v.square().sum();
      Dataset<Row> out =
          vmapUdf(f)
              .inputColumns("x")
              .shape("x", 3)
              .rejectNonFinite()
              .errorColumn("why")
              .batchSize(3)
              .arrowBatches(arrow)
              .transform(df);

      assertThat(out.schema().fieldNames()).containsExactly("id", "x", "output", "why");
      List<Row> got = out.collectAsList();
      assertThat(Frames.ids(got)).isEqualTo(Frames.range(12));
      // partitions of 4 rows: row 1 -> (0, 1), 4 -> (1, 0), 8 -> (2, 0), 9 -> (2, 1)
      assertThat(got.get(1).getString(3))
          .isEqualTo(
              "column 'x', partition 0, row 1: null; expected a per-example shape of [3] (f64 from"
                  + " Spark double) [set keyColumn(\"<column>\") on the udf to have this message"
                  + " quote the row's key]");
      assertThat(got.get(4).getString(3))
          .startsWith("column 'x', partition 1, row 0: array of 2 elements;");
      assertThat(got.get(8).getString(3))
          .startsWith(
              "column 'x', partition 2, row 0: NaN at index 1 (non-finite values are rejected);");
      assertThat(got.get(9).getString(3))
          .startsWith("column 'x', partition 2, row 1: null element at index 0;");
      for (int i : new int[] {1, 4, 8, 9}) {
        assertThat(got.get(i).isNullAt(2)).as("output of bad row %d", i).isTrue();
      }
      for (int i = 0; i < 12; i++) {
        if (i == 1 || i == 4 || i == 8 || i == 9) {
          continue;
        }
        Row r = got.get(i);
        assertThat(r.isNullAt(3)).isTrue();
        double expected = f.apply(Tensor.of(new double[] {i, -i, 0.5 * i})).item();
        assertThat(r.getDouble(2)).isEqualTo(expected);
      }
      // the good rows equal core's vmap over them
      List<Row> good = out.where("why is null").collectAsList();
      assertThat(
              Frames.f64(good, "output")
                  .allClose(Func.vmap(f).apply(Frames.f64(good, "x")), 0, 1e-9))
          .isTrue();
    }
  }
}
