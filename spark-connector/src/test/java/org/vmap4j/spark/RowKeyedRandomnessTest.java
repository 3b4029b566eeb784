package org.vmap4j.spark;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.vmap4j.spark.VmapFunctions.vmapUdf;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.vmap4j.DType;
import org.vmap4j.Randomness;
import org.vmap4j.Tensor;

/**
 * Per-row random numbers from core's random primitives under {@code randomness(DIFFERENT)}: keyed
 * by (udf seed, partition, row index), so they repeat exactly across runs and batch sizes and
 * differ between rows and seeds.
 */
@ExtendWith(SharedSpark.class)
class RowKeyedRandomnessTest {
  static final int N = 30;

  /** Dropout-like noise: x + 3 uniform draws in [0, 1). */
  static final SerializableFunction<Tensor, Tensor> NOISY =
      x -> x.add(Tensor.randomUniform(7, DType.F64, 3));

  static Dataset<Row> zeros(SparkSession spark) {
    return Frames.idX(spark, Tensor.zeros(DType.F64, N, 3), 3);
  }

  static double[][] draws(Dataset<Row> out) {
    List<Row> rows = out.collectAsList();
    double[][] d = new double[rows.size()][];
    for (int i = 0; i < d.length; i++) {
      d[i] = Frames.f64(List.of(rows.get(i)), "output").toDoubleArray();
    }
    return d;
  }

  static VmapUdf noisy(long seed, int batch) {
    return vmapUdf(NOISY)
        .inputColumns("x")
        .shape("x", 3)
        .randomness(Randomness.DIFFERENT)
        .seed(seed)
        .batchSize(batch);
  }

  @Test
  void eachRowDrawsItsOwnNumbersAndTheyRepeatAcrossRunsAndBatchSizes(SparkSession spark) {
    double[][] first = draws(noisy(42, 4).transform(zeros(spark)));
    double[][] again = draws(noisy(42, 4).transform(zeros(spark)));
    double[][] otherBatches = draws(noisy(42, 7).transform(zeros(spark)));
    double[][] otherSeed = draws(noisy(43, 4).transform(zeros(spark)));
    assertThat(again).isDeepEqualTo(first);
    assertThat(otherBatches).isDeepEqualTo(first);
    Set<Double> seen = new HashSet<>();
    for (int i = 0; i < N; i++) {
      assertThat(otherSeed[i]).isNotEqualTo(first[i]);
      for (double v : first[i]) {
        assertThat(v).isGreaterThanOrEqualTo(0).isLessThan(1);
        seen.add(v);
      }
    }
    assertThat(seen).hasSize(3 * N); // no two rows (or elements) share a draw
  }

  @Test
  void theColumnFormDrawsWhatTransformDraws(SparkSession spark) {
    VmapSpark.install(spark);
    double[][] viaTransform = draws(noisy(5, 10).transform(zeros(spark)));
    Dataset<Row> viaColumn = zeros(spark).withColumn("output", noisy(5, 10).apply(col("x")));
    assertThat(draws(viaColumn)).isDeepEqualTo(viaTransform);
    assertThat(draws(viaColumn)).isDeepEqualTo(viaTransform);
  }

  @Test
  void withoutRandomnessARandomFunctionIsRefusedSayingHowToAllowIt(SparkSession spark) {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> vmapUdf(NOISY).inputColumns("x").shape("x", 3).transform(zeros(spark)))
        .withMessageContaining("randomness");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> vmapUdf(NOISY).randomness(Randomness.SAME))
        .withMessageContaining("not supported");
  }
}
