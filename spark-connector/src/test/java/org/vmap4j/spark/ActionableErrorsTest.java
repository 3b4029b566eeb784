package org.vmap4j.spark;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.vmap4j.spark.VmapFunctions.vmapUdf;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.vmap4j.Tensor;

/** Errors a user can act on: the odd row blamed, its key quoted, arity and names checked early. */
@ExtendWith(SharedSpark.class)
class ActionableErrorsTest {
  /** 8 rows (id, x[3]) in 2 partitions of 4; row {@code short} has only 2 elements. */
  static Dataset<Row> ragged(SparkSession spark, int shortRow) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      double[] x = i == shortRow ? new double[] {i, 1} : new double[] {i, 1, 2};
      rows.add(RowFactory.create((long) 100 + i, x));
    }
    return Frames.frame(spark, rows, Frames.ID_X, 2);
  }

  static final SerializableFunction<Tensor, Tensor> SUM = v -> v.sum();

  @Test
  void aRaggedFirstRowIsTheOneBlamedAndGoodRowsGetTheirResults(SparkSession spark) {
    List<Row> out =
        vmapUdf(SUM)
            .inputColumns("x")
            .errorColumn("why")
            .transform(ragged(spark, 0))
            .collectAsList();
    assertThat(out.get(0).getString(3))
        .startsWith(
            "column 'x', partition 0, row 0: array of 2 elements; expected a per-example"
                + " shape of [3]");
    for (int i = 1; i < 8; i++) {
      assertThat(out.get(i).isNullAt(3)).as("row %d is good", i).isTrue();
      assertThat(out.get(i).getDouble(2)).isEqualTo(i + 1 + 2);
    }
    assertThatThrownBy(
            () -> vmapUdf(SUM).inputColumns("x").transform(ragged(spark, 0)).collectAsList())
        .hasMessageContaining("column 'x', partition 0, row 0: array of 2 elements");
  }

  @Test
  void aKeyColumnIsQuotedAndWithoutOneTheMessageSaysHowToSetIt(SparkSession spark) {
    VmapUdf udf = vmapUdf(SUM).inputColumns("x").shape("x", 3).errorColumn("why");
    Row keyed = udf.keyColumn("id").transform(ragged(spark, 5)).collectAsList().get(5);
    assertThat(keyed.getString(3))
        .startsWith("column 'x', row id=105 (partition 1, row 1): array of 2 elements;")
        .doesNotContain("keyColumn");
    Row plain = udf.transform(ragged(spark, 5)).collectAsList().get(5);
    assertThat(plain.getString(3))
        .startsWith("column 'x', partition 1, row 1: array of 2 elements;")
        .endsWith(
            "[set keyColumn(\"<column>\") on the udf to have this message quote the row's key]");

    VmapSpark.install(spark);
    Dataset<Row> viaColumn =
        ragged(spark, 5)
            .withColumn(
                "r", vmapUdf(SUM).shape(0, 3).keyColumn("id").errorColumn("why").apply(col("x")));
    Row r = viaColumn.collectAsList().get(5);
    assertThat(r.getStruct(r.fieldIndex("r")).getString(1))
        .startsWith("column 'x', row id=105 (partition 1, row 1):");
  }

  @Test
  void aOneTensorFunctionGivenTwoColumnsFailsOnTheDriverSayingWhatItTakes(SparkSession spark) {
    Dataset<Row> df = ragged(spark, -1).withColumn("y", col("x"));
    int jobs =
        IntegerDifferentiationTest.jobsDuring(
            spark,
            () ->
                assertThatIllegalArgumentException()
                    .isThrownBy(
                        () ->
                            vmapUdf(SUM)
                                .inputColumns("x", "y")
                                .shape("x", 3)
                                .shape("y", 3)
                                .transform(df))
                    .withMessageContaining(
                        "the function cannot take its argument: it was given a Map<String, Tensor>"
                            + " of the 2 columns [x, y], but it takes one Tensor"));
    assertThat(jobs).isZero();
  }

  @Test
  void aMisspelledMapKeyFailsOnTheDriverListingTheKeys(SparkSession spark) {
    Dataset<Row> df = ragged(spark, -1).withColumn("label", col("id").cast("double"));
    SerializableFunction<Map<String, Tensor>, Tensor> f =
        m -> m.get("feature").sum().add(m.get("label"));
    assertThatIllegalArgumentException()
        .isThrownBy(() -> vmapUdf(f).inputColumns("x", "label").shape("x", 3).transform(df))
        .withMessageContaining(
            "the function reads the map key 'feature', but its argument has the keys [label, x]");
  }

  @Test
  void columnNamesFollowSparkSqlCaseSensitive(SparkSession spark) {
    Dataset<Row> df = ragged(spark, -1);
    List<Row> out = vmapUdf(SUM).inputColumns("X").shape("X", 3).transform(df).collectAsList();
    assertThat(out.get(2).getDouble(2)).isEqualTo(2 + 1 + 2);
    spark.conf().set("spark.sql.caseSensitive", "true");
    try {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> vmapUdf(SUM).inputColumns("X").transform(ragged(spark, -1)))
          .withMessageContaining("no column 'X'");
    } finally {
      spark.conf().unset("spark.sql.caseSensitive");
    }
  }
}
