package org.vmap4j.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.vmap4j.spark.VmapFunctions.vmapUdf;

import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.vmap4j.DType;
import org.vmap4j.Func;
import org.vmap4j.InDims;
import org.vmap4j.Tensor;

/**
 * Two transforms of the same function (so the same traced program) with different constants, in one
 * JVM: each must run with its own constants. The examples found the second transform silently
 * running with the first one's constants when prepared kernels were cached by program alone.
 */
@ExtendWith(SharedSpark.class)
class ConstantsPerTransformTest {
  @Test
  void transformsOfOneProgramWithOtherConstantsUseTheirOwn(SparkSession spark) {
    Tensor x = Tensor.randomNormal(21, DType.F64, 40, 3);
    Dataset<Row> df = Frames.idX(spark, x, 2);
    SerializableBiFunction<Tensor, Tensor, Tensor> score = (w, v) -> v.dot(w).tanh();
    Tensor first = Tensor.of(new double[] {0.5, -1, 2});
    Tensor second = Tensor.of(new double[] {-3, 0.25, 1});

    List<Row> a = vmapUdf(score).constants(first).inputColumns("x").transform(df).collectAsList();
    List<Row> b = vmapUdf(score).constants(second).inputColumns("x").transform(df).collectAsList();

    Tensor expectedA = Func.vmap(score, InDims.of(null, 0)).apply(first, x);
    Tensor expectedB = Func.vmap(score, InDims.of(null, 0)).apply(second, x);
    assertThat(Frames.f64(a, "output").allClose(expectedA, 0, 1e-12)).isTrue();
    assertThat(Frames.f64(b, "output").allClose(expectedB, 0, 1e-12)).isTrue();
    assertThat(expectedA.allClose(expectedB, 0, 1e-3)).isFalse(); // the test can tell them apart
  }
}
