package org.vmap4j.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.vmap4j.spark.VmapFunctions.vmapUdf;

import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.vmap4j.Tensor;
import org.vmap4j.spark.executor.BatchKernel;
import org.vmap4j.spark.executor.ProgramKernel;

/** The driver traces the per-example function once and ships the program. */
@ExtendWith(SharedSpark.class)
class ProgramKernelTest {
  @Test
  void theDriverShipsATracedProgramKeyedByItsHash(SparkSession spark) {
    Dataset<Row> df = PerSampleGradientsTest.data(spark);
    SerializableFunction<Map<String, Tensor>, Tensor> f =
        e -> e.get("features").mul(e.get("label")).tanh().sum();
    VmapUdf udf = vmapUdf(f).inputColumns("label", "features");
    BatchKernel kernel = udf.plan(df).resolved().kernel();
    assertThat(kernel).isInstanceOf(ProgramKernel.class);
    String program = ((ProgramKernel) kernel).program().toString();
    assertThat(program).contains("tanh", "reduce_sum").startsWith("{ lambda");
    // the same function planned again gives the same program, so executors reuse one compiled
    // kernel; a different function gives another
    assertThat(udf.plan(df).resolved().kernel().cacheKey()).isEqualTo(kernel.cacheKey());
    SerializableFunction<Map<String, Tensor>, Tensor> g =
        e -> e.get("features").mul(e.get("label")).sin().sum();
    assertThat(vmapUdf(g).inputColumns("label", "features").plan(df).resolved().kernel().cacheKey())
        .isNotEqualTo(kernel.cacheKey());
    // and it computes what the function computes, with columns given out of the map's key order
    List<Row> rows = udf.transform(df).collectAsList();
    Tensor want =
        org.vmap4j.Func.vmap(f)
            .apply(
                Map.of(
                    "features", Frames.f64(rows, "features"), "label", Frames.f64(rows, "label")));
    assertThat(Frames.f64(rows, "output").allClose(want, 1e-12, 1e-12)).isTrue();
  }
}
