package org.vmap4j.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.vmap4j.spark.VmapFunctions.vmapUdf;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.vmap4j.DType;
import org.vmap4j.Func;
import org.vmap4j.InDims;
import org.vmap4j.Tensor;

/**
 * vmapUdf over three and four arguments: one input column per argument (after the constants, if
 * any), against core's vmap of the same function on the same rows.
 */
@ExtendWith(SharedSpark.class)
class VmapUdfArityTest {
  static final StructType SCHEMA =
      new StructType()
          .add("id", DataTypes.LongType, false)
          .add("x", DataTypes.createArrayType(DataTypes.DoubleType), false)
          .add("v", DataTypes.createArrayType(DataTypes.DoubleType), false)
          .add("y", DataTypes.DoubleType, false);

  final Tensor xs = Tensor.randomNormal(41, DType.F64, 9, 3);
  final Tensor vs = Tensor.randomNormal(42, DType.F64, 9, 3);
  final Tensor ys = Tensor.randomNormal(43, DType.F64, 9);

  Dataset<Row> frame(SparkSession spark) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 9; i++) {
      rows.add(
          RowFactory.create(
              (long) i,
              xs.index(0, i).toDoubleArray(),
              vs.index(0, i).toDoubleArray(),
              ys.index(0, i).item()));
    }
    return Frames.frame(spark, rows, SCHEMA, 2);
  }

  @Test
  void threeColumnsOnePerArgument(SparkSession spark) {
    SerializableFn3<Tensor, Tensor, Tensor, Tensor> f = (x, v, y) -> x.mul(v).sum().sub(y).tanh();
    List<Row> rows = vmapUdf(f).inputColumns("x", "v", "y").transform(frame(spark)).collectAsList();
    assertThat(Frames.ids(rows)).isEqualTo(Frames.range(9));
    Tensor expected = Func.vmap(f).apply(xs, vs, ys);
    assertThat(Frames.f64(rows, "output").allClose(expected, 0, 1e-12)).isTrue();
  }

  @Test
  void constantsThenThreeColumns(SparkSession spark) {
    SerializableFn4<Tensor, Tensor, Tensor, Tensor, Tensor> f =
        (w, x, v, y) -> x.dot(w).mul(v).sub(y).square();
    Tensor w = Tensor.of(new double[] {0.5, -1, 2});
    List<Row> rows =
        vmapUdf(f)
            .constants(w)
            .inputColumns("x", "v", "y")
            .outputColumns("loss")
            .transform(frame(spark))
            .collectAsList();
    Tensor expected = Func.vmap(f, InDims.of(null, 0, 0, 0)).apply(w, xs, vs, ys);
    assertThat(Frames.f64(rows, "loss").shape()).containsExactly(9, 3);
    assertThat(Frames.f64(rows, "loss").allClose(expected, 0, 1e-12)).isTrue();
  }

  @Test
  void theWrongNumberOfColumnsIsAClearError(SparkSession spark) {
    SerializableFn3<Tensor, Tensor, Tensor, Tensor> f = (x, v, y) -> x.mul(v).sum().sub(y);
    assertThatThrownBy(() -> vmapUdf(f).inputColumns("x", "v").transform(frame(spark)))
        .hasMessageContaining("3-argument function without constants")
        .hasMessageContaining("3 columns, but 2 were given");
  }
}
