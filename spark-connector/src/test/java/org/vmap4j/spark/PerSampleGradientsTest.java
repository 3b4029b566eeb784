package org.vmap4j.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
 * Per-sample gradients through Spark against core's vmap(grad) on the collected rows (F64, 1e-9).
 */
@ExtendWith(SharedSpark.class)
class PerSampleGradientsTest {
  static final double TOL = 1e-9;
  static final int N = 57;
  static final int D = 6;

  record Params(Tensor w, Tensor b) {}

  /** Logistic loss of one example from logits, stable. */
  static Tensor loss(Params p, Map<String, Tensor> e) {
    Tensor z = e.get("features").dot(p.w()).add(p.b());
    return z.relu().add(z.abs().neg().exp().log1p()).sub(e.get("label").mul(z));
  }

  static Params params() {
    return new Params(Tensor.randomNormal(21, DType.F64, D).mul(0.5), Tensor.scalar(0.3));
  }

  static Dataset<Row> data(SparkSession spark) {
    StructType schema =
        new StructType()
            .add("id", DataTypes.LongType)
            .add("features", DataTypes.createArrayType(DataTypes.DoubleType))
            .add("label", DataTypes.DoubleType);
    Tensor x = Tensor.randomNormal(22, DType.F64, N, D);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      rows.add(
          RowFactory.create(
              (long) i, x.index(0, i).toDoubleArray(), (double) (i % 3 == 0 ? 1 : 0)));
    }
    return Frames.frame(spark, rows, schema, 3);
  }

  /** Core's per-sample gradients of the collected rows. */
  static Params expected(List<Row> rows) {
    Map<String, Tensor> batch =
        Map.of("features", Frames.f64(rows, "features"), "label", Frames.f64(rows, "label"));
    return Func.vmap(Func.grad(PerSampleGradientsTest::loss), InDims.of(null, 0))
        .apply(params(), batch);
  }

  @Test
  void oneColumnPerParameterLeafEqualsCoreVmapOfGrad(SparkSession spark) {
    PerSampleGradients g =
        PerSampleGradients.of(PerSampleGradientsTest::loss, params())
            .inputColumns("features", "label")
            .configure(u -> u.batchSize(10));
    Dataset<Row> out = g.transform(data(spark));

    assertThat(g.gradientColumns()).containsExactly("grad_w", "grad_b");
    assertThat(out.schema().fieldNames())
        .containsExactly("id", "features", "label", "grad_w", "grad_b");
    List<Row> rows = out.collectAsList();
    assertThat(Frames.ids(rows)).isEqualTo(Frames.range(N));
    Params e = expected(rows);
    assertThat(Frames.f64(rows, "grad_w").allClose(e.w(), 0, TOL)).isTrue();
    assertThat(Frames.f64(rows, "grad_b").allClose(e.b(), 0, TOL)).isTrue();
  }

  @Test
  void flatVectorNormAndClipping(SparkSession spark) {
    double clip = 0.5;
    List<Row> rows =
        PerSampleGradients.of(PerSampleGradientsTest::loss, params())
            .inputColumns("features", "label")
            .flat()
            .withNorm("norm")
            .clipNorm(clip)
            .transform(data(spark))
            .collectAsList();

    Params e = expected(rows);
    Tensor flat = Tensor.concat(1, e.w(), e.b().unsqueeze(1));
    Tensor norm = flat.square().sum(1).sqrt();
    Tensor clipped = flat.mul(norm.pow(-1).mul(clip).minimum(1.0).unsqueeze(1));
    assertThat(Frames.f64(rows, "norm").allClose(norm, 0, TOL)).isTrue();
    assertThat(Frames.f64(rows, "grad").allClose(clipped, 0, TOL)).isTrue();
    assertThat(
            Frames.f64(rows, "grad")
                .square()
                .sum(1)
                .sqrt()
                .le(clip + 1e-12)
                .astype(DType.I32)
                .sum()
                .item())
        .isEqualTo(N);
  }

  @Test
  void aSingleTensorParameterAndAOneColumnExample(SparkSession spark) {
    Tensor w = Tensor.randomNormal(5, DType.F64, D);
    SerializableBiFunction<Tensor, Tensor, Tensor> l = (p, x) -> x.dot(p).tanh().square();
    List<Row> rows =
        PerSampleGradients.of(l, w)
            .inputColumns("features")
            .withNorm("n")
            .transform(data(spark))
            .collectAsList();

    Tensor e = Func.vmap(Func.grad(l), InDims.of(null, 0)).apply(w, Frames.f64(rows, "features"));
    assertThat(Frames.f64(rows, "grad").allClose(e, 0, TOL)).isTrue();
    assertThat(Frames.f64(rows, "n").allClose(e.square().sum(1).sqrt(), 0, TOL)).isTrue();
  }
}
