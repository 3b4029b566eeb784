package org.vmap4j.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.vmap4j.spark.VmapFunctions.vmapUdf;

import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.vmap4j.DType;
import org.vmap4j.Tensor;
import org.vmap4j.spark.executor.ProgramKernel;

/** A function the driver cannot trace still runs (eagerly), and the fallback is logged once. */
@ExtendWith(SharedSpark.class)
class UntracedFunctionTest {
  static final java.util.concurrent.atomic.AtomicInteger CALLS =
      new java.util.concurrent.atomic.AtomicInteger();

  /**
   * x * [1, 2, 3] summed; its second call, which is the driver's trace (the first runs it on zeros
   * to infer the outputs), throws: a stand-in for any function that cannot be traced.
   */
  static Tensor weightedSum(Tensor x) {
    if (CALLS.incrementAndGet() == 2) {
      throw new IllegalStateException("cannot be staged (test)");
    }
    return x.mul(Tensor.of(new double[] {1, 2, 3})).sum();
  }

  @Test
  void theFallbackToEagerIsWarnedOnceWithTheReason(SparkSession spark) {
    VmapUdf udf = vmapUdf(UntracedFunctionTest::weightedSum).inputColumns("x").shape("x", 3);
    Tensor x = Tensor.randomNormal(5, DType.F64, 7, 3);
    List<Row> first = udf.transform(Frames.idX(spark, x, 2)).collectAsList();

    List<String> warnings =
        OneTimeWarnings.given().stream().filter(w -> w.contains("could not be traced")).toList();
    assertThat(warnings).hasSize(1);
    assertThat(warnings.get(0)).contains("cannot be staged (test)");
    double[] v = x.toDoubleArray();
    for (Row r : first) {
      int i = (int) r.getLong(0);
      double expected = v[3 * i] + 2 * v[3 * i + 1] + 3 * v[3 * i + 2];
      assertThat(r.getDouble(2)).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-12));
    }
  }

  @Test
  void aFunctionWhoseOutputIgnoresItsInputsIsWarnedAboutOnce(SparkSession spark) {
    // Math.random() runs once, when the driver traces the function: every row gets that number
    SerializableFunction<Tensor, Tensor> frozen = x -> Tensor.scalar(Math.random());
    List<Row> rows =
        vmapUdf(frozen)
            .inputColumns("x")
            .shape("x", 3)
            .transform(Frames.idX(spark, Tensor.randomNormal(6, DType.F64, 9, 3), 3))
            .collectAsList();
    assertThat(rows.stream().map(r -> r.getDouble(2)).distinct().count()).isEqualTo(1);
    List<String> warnings =
        OneTimeWarnings.given().stream()
            .filter(w -> w.contains("do not depend on its input"))
            .toList();
    assertThat(warnings).hasSize(1);
    assertThat(warnings.get(0)).contains("[x]").contains("Math.random()");

    // a function that reads its input is not warned about
    vmapUdf((Tensor x) -> x.sum())
        .inputColumns("x")
        .shape("x", 3)
        .outputSchema(Frames.idX(spark, Tensor.randomNormal(7, DType.F64, 2, 3), 1));
    assertThat(
            InputDependence.anyOutputDependsOnInputs(
                ((ProgramKernel)
                        vmapUdf((Tensor x) -> x.sum())
                            .inputColumns("x")
                            .shape("x", 3)
                            .planner()
                            .resolve(Frames.ID_X, null)
                            .kernel())
                    .program(),
                0))
        .isTrue();
  }
}
