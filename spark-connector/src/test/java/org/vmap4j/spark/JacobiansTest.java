package org.vmap4j.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.vmap4j.DType;
import org.vmap4j.Func;
import org.vmap4j.InDims;
import org.vmap4j.Tensor;

/**
 * Per-row Jacobians through Spark against core's vmap(jacrev) on the collected rows (F64, 1e-9).
 */
@ExtendWith(SharedSpark.class)
class JacobiansTest {
  static final double TOL = 1e-9;

  static Tensor f(Tensor x) {
    return x.sin().mul(x.sum()).slice(0, 0, 3);
  }

  @Test
  void reverseAndForwardModeEqualCoreJacrev(SparkSession spark) {
    Dataset<Row> df = Frames.idX(spark, Tensor.randomNormal(31, DType.F64, 23, 5), 3);
    Dataset<Row> rev = Jacobians.of(JacobiansTest::f).inputColumn("x").transform(df);
    Dataset<Row> fwd =
        Jacobians.of(JacobiansTest::f)
            .inputColumn("x")
            .forwardMode()
            .outputColumn("jf")
            .transform(df);

    assertThat(rev.schema().apply("jacobian").dataType())
        .isEqualTo(new ArrayType(new ArrayType(DataTypes.DoubleType, false), false));
    assertThat(rev.schema().apply("jacobian").metadata().getLongArray(VmapUdf.SHAPE_METADATA_KEY))
        .containsExactly(3, 5);
    List<Row> rows = rev.collectAsList();
    assertThat(Frames.ids(rows)).isEqualTo(Frames.range(23));
    Tensor expected = Func.vmap(Func.jacrev(JacobiansTest::f)).apply(Frames.f64(rows, "x"));
    assertThat(Frames.f64(rows, "jacobian").allClose(expected, 0, TOL)).isTrue();
    assertThat(Frames.f64(fwd.collectAsList(), "jf").allClose(expected, 0, TOL)).isTrue();
  }

  @Test
  void withConstants(SparkSession spark) {
    Tensor a = Tensor.randomNormal(32, DType.F64, 4, 5);
    SerializableBiFunction<Tensor, Tensor, Tensor> g = (m, x) -> m.matmul(x).tanh();
    Dataset<Row> df = Frames.idX(spark, Tensor.randomNormal(33, DType.F64, 11, 5), 2);
    List<Row> rows =
        Jacobians.of(g, a)
            .inputColumn("x")
            .configure(u -> u.matrixLayout(MatrixLayout.FLAT))
            .transform(df)
            .collectAsList();

    Tensor expected =
        Func.vmap(
                (Tensor m, Tensor x) -> Func.jacrev((Tensor v) -> g.apply(m, v)).apply(x),
                InDims.of(null, 0))
            .apply(a, Frames.f64(rows, "x"));
    assertThat(Frames.f64(rows, "jacobian").reshape(11, 4, 5).allClose(expected, 0, TOL)).isTrue();
  }
}
