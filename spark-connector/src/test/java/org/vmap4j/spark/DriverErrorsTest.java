package org.vmap4j.spark;

import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.vmap4j.spark.VmapFunctions.vmapUdf;

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
import org.vmap4j.Tensor;

/** Mistakes found on the driver, before any job: each with a message that names the fix. */
@ExtendWith(SharedSpark.class)
class DriverErrorsTest {
  static Dataset<Row> df(SparkSession spark) {
    StructType schema =
        Frames.ID_X.add("name", DataTypes.StringType).add("s", DataTypes.DoubleType);
    return Frames.frame(
        spark, List.of(RowFactory.create(0L, new double[] {1, 2, 3}, "a", 1.0)), schema, 1);
  }

  static final SerializableFunction<Tensor, Tensor> SUM = v -> v.sum();

  @Test
  void aMissingColumnListsTheColumns(SparkSession spark) {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> vmapUdf(SUM).inputColumns("nope").transform(df(spark)))
        .withMessage(
            "vmapUdf: no column 'nope' in the DataFrame; its columns are [id, x, name, s]");
  }

  @Test
  void aColumnThatIsNoTensorNamesItsType(SparkSession spark) {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> vmapUdf(SUM).inputColumns("name").transform(df(spark)))
        .withMessageStartingWith(
            "vmapUdf: column 'name' has Spark type string, which is not a tensor");
  }

  @Test
  void declaredShapesMustFitTheColumn(SparkSession spark) {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> vmapUdf(SUM).inputColumns("s").shape("s", 2).transform(df(spark)))
        .withMessage(
            "vmapUdf: column 's' is a scalar column (double) but its shape is declared as [2]");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> vmapUdf(SUM).inputColumns("x").shape("id", 2).transform(df(spark)))
        .withMessageContaining(
            "a shape is declared for 'id', but the function's arguments are bound as [x]")
        .withMessageContaining("shape(0, 2)");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> vmapUdf(SUM).shape("x", -1))
        .withMessageContaining("negative size");
  }

  @Test
  void outputNamesMustMatchTheResultAndNotClash(SparkSession spark) {
    assertThatIllegalArgumentException()
        .isThrownBy(
            () -> vmapUdf(SUM).inputColumns("x").outputColumns("a", "b").transform(df(spark)))
        .withMessage(
            "vmapUdf: 2 output column names were given [a, b], but the function returns 1 tensors [output]");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> vmapUdf(SUM).inputColumns("x").outputColumns("s").transform(df(spark)))
        .withMessageStartingWith("vmapUdf: output column 's' is already a column of the DataFrame");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> vmapUdf(SUM).inputColumns("x").errorColumn("name").transform(df(spark)))
        .withMessageStartingWith("vmapUdf: the error column 'name' is already a column");
  }

  @Test
  void outputTypesMustHaveTheShapesNesting(SparkSession spark) {
    assertThatIllegalArgumentException()
        .isThrownBy(
            () ->
                vmapUdf(SUM)
                    .inputColumns("x")
                    .outputTypes(DataTypes.createArrayType(DataTypes.DoubleType))
                    .transform(df(spark)))
        .withMessage(
            "vmapUdf: output 'output' has per-example shape [] (f64), which is a Spark double column;"
                + " the type given, array<double>, has 1 array levels");
  }

  @Test
  void argumentBindingMistakes(SparkSession spark) {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> vmapUdf(SUM).constants(Tensor.scalar(1.0)))
        .withMessageContaining("this function takes one argument");
    SerializableBiFunction<Tensor, Tensor, Tensor> dot = Tensor::dot;
    assertThatIllegalArgumentException()
        .isThrownBy(() -> vmapUdf(dot).inputColumns("x").transform(df(spark)))
        .withMessageContaining(
            "a two-argument function without constants takes one input column per argument, but 1 columns were given: [x]");
    assertThatThrownBy(() -> vmapUdf(SUM).transform(df(spark)))
        .hasMessage("vmapUdf: no input columns; name them with inputColumns(...)");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> vmapUdf(SUM).inputColumns("x", "x"))
        .withMessageContaining("duplicates");
  }

  @Test
  void aFunctionThatCapturesATensorSaysToUseConstants(SparkSession spark) {
    Tensor w = Tensor.ones(DType.F64, 3);
    assertThatIllegalArgumentException()
        .isThrownBy(() -> vmapUdf((Tensor v) -> v.dot(w)).inputColumns("x").transform(df(spark)))
        .withMessageContaining(
            "captures a org.vmap4j.cpu.CpuTensor, which is not serializable; pass tensors as constants(...)");
  }

  @Test
  void aFunctionFailingOnTheDriverNamesTheInputs(SparkSession spark) {
    assertThatIllegalArgumentException()
        .isThrownBy(
            () ->
                vmapUdf((Tensor v) -> v.matmul(Tensor.ones(DType.F64, 4)))
                    .inputColumns("x")
                    .transform(df(spark)))
        .withMessageStartingWith(
            "vmapUdf: the function failed when run once on the driver on zeros of the input shapes, to infer its outputs (inputs: x f64[3]):");
  }
}
