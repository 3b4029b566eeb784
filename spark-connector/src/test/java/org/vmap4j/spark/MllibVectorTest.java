package org.vmap4j.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.vmap4j.spark.VmapFunctions.vmapUdf;

import java.util.List;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.vmap4j.DType;
import org.vmap4j.Tensor;

/** MLlib's own Vector column type (dense and sparse), not the stand-in of the other tests. */
@ExtendWith(SharedSpark.class)
class MllibVectorTest {
  @Test
  void realMllibVectorsAreDensifiedInOrder(SparkSession spark) {
    StructType schema =
        new StructType().add("id", DataTypes.LongType).add("v", SQLDataTypes.VectorType());
    List<Row> rows =
        List.of(
            RowFactory.create(0L, Vectors.dense(1, 2, 3, 4)),
            RowFactory.create(1L, Vectors.sparse(4, new int[] {1, 3}, new double[] {5, 6})),
            RowFactory.create(2L, Vectors.sparse(4, new int[] {}, new double[] {})),
            RowFactory.create(3L, Vectors.dense(-1, 0, 0, 1)));
    Dataset<Row> df = spark.createDataFrame(rows, schema).repartition(2).sortWithinPartitions("id");

    List<Row> out =
        vmapUdf((Tensor v) -> v.mul(Tensor.arange(4).astype(DType.F64)).sum())
            .inputColumns("v")
            .transform(df)
            .collectAsList();

    assertThat(out).hasSize(4);
    for (Row r : out) {
      double[] v = ((org.apache.spark.ml.linalg.Vector) r.getAs("v")).toArray();
      double want = 0;
      for (int i = 0; i < v.length; i++) {
        want += v[i] * i;
      }
      assertThat(((Number) r.getAs("output")).doubleValue()).isEqualTo(want);
    }
  }
}
