package org.vmap4j.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.vmap4j.spark.VmapFunctions.vmapUdf;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vmap4j.DType;
import org.vmap4j.Func;
import org.vmap4j.Tensor;
import org.vmap4j.spark.executor.ArrowBatching;
import org.vmap4j.spark.executor.ExecutorRuntime;
import org.vmap4j.spark.executor.TaskArrowMemory;

/**
 * vmapUdf through a real local[2] Spark against core's vmap on the collected data (F64, 1e-9):
 * argument bindings, input and output kinds, batching across partitions, row order and count, empty
 * frames and partitions, metadata, Arrow memory.
 */
@ExtendWith(SharedSpark.class)
class VmapUdfTest {
  static final double TOL = 1e-9;

  record Model(Tensor w, Tensor b) {}

  static Tensor x(int n, int d) {
    return Tensor.randomNormal(11, DType.F64, n, d);
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void scalarOutputEqualsCoreVmapAndKeepsRowOrderAndCount(boolean arrow, SparkSession spark) {
    Tensor w = Tensor.randomNormal(3, DType.F64, 5);
    Dataset<Row> df = Frames.idX(spark, x(103, 5), 4);
    VmapUdf udf =
        vmapUdf((Tensor weights, Tensor v) -> v.dot(weights).tanh())
            .constants(w)
            .inputColumns("x")
            .outputColumns("y")
            .batchSize(7)
            .arrowBatches(arrow);

    List<Row> out = udf.transform(df).collectAsList();

    assertThat(Frames.ids(out)).isEqualTo(Frames.range(103));
    Tensor expected = Func.vmap((Tensor v) -> v.dot(w).tanh()).apply(Frames.f64(out, "x"));
    assertThat(Frames.f64(out, "y").allClose(expected, 0, TOL)).isTrue();
    assertThat(udf.transform(df).schema().fieldNames()).containsExactly("id", "x", "y");
    assertThat(udf.transform(df).schema().apply("y").dataType()).isEqualTo(DataTypes.DoubleType);
  }

  /**
   * Arrow batches of equal size are read into the previous batch's tensor: outputs that are the
   * input itself or a view of it must still hold their own batch's values.
   */
  @Test
  void outputsThatAreTheInputSurviveTheNextBatchReusingItsTensor(SparkSession spark) {
    Dataset<Row> df = Frames.idX(spark, x(50, 3), 2);
    List<Row> out =
        vmapUdf((Tensor v) -> v.reshape(3, 1))
            .inputColumns("x")
            .shape("x", 3)
            .outputColumns("same")
            .batchSize(5)
            .arrowBatches(true)
            .transform(df)
            .collectAsList();

    assertThat(Frames.ids(out)).isEqualTo(Frames.range(50));
    Tensor same = Frames.f64(out, "same");
    assertThat(same.shape()).containsExactly(50, 3, 1);
    // exact: every row's output is its own input, not a later batch's
    assertThat(same.reshape(50, 3).allClose(Frames.f64(out, "x"), 0, 0)).isTrue();
  }

  @Test
  void twoColumnsOfATwoArgumentFunction(SparkSession spark) {
    Tensor a = x(20, 4);
    Tensor b = Tensor.randomNormal(12, DType.F64, 20, 4);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      rows.add(
          RowFactory.create(
              (long) i, a.index(0, i).toDoubleArray(), b.index(0, i).toDoubleArray()));
    }
    StructType schema = Frames.ID_X.add("y", DataTypes.createArrayType(DataTypes.DoubleType));
    Dataset<Row> df = Frames.frame(spark, rows, schema, 3);

    List<Row> out =
        vmapUdf(Tensor::dot).inputColumns("x", "y").batchSize(4).transform(df).collectAsList();

    assertThat(Frames.ids(out)).isEqualTo(Frames.range(20));
    Tensor expected = Func.vmap(Tensor::dot).apply(Frames.f64(out, "x"), Frames.f64(out, "y"));
    assertThat(Frames.f64(out, "output").allClose(expected, 0, TOL)).isTrue();
  }

  @Test
  void severalColumnsAsAMapAndScalarColumnsOfEveryNumericType(SparkSession spark) {
    StructType schema =
        new StructType()
            .add("id", DataTypes.LongType)
            .add("x", DataTypes.createArrayType(DataTypes.FloatType))
            .add("f", DataTypes.FloatType)
            .add("d", DataTypes.DoubleType)
            .add("i", DataTypes.IntegerType)
            .add("l", DataTypes.LongType)
            .add("s", DataTypes.ShortType)
            .add("bt", DataTypes.ByteType)
            .add("flag", DataTypes.BooleanType);
    List<Row> rows = new ArrayList<>();
    for (int r = 0; r < 9; r++) {
      rows.add(
          RowFactory.create(
              (long) r,
              new float[] {r, r + 0.5f},
              r * 0.25f,
              r * 1.5,
              r - 4,
              (long) r * 1000,
              (short) (r * 2),
              (byte) (-r),
              r % 2 == 0));
    }
    Dataset<Row> df = Frames.frame(spark, rows, schema, 2);

    Dataset<Row> out =
        vmapUdf(
                (Map<String, Tensor> e) ->
                    Map.of(
                        "total",
                        e.get("x")
                            .sum()
                            .astype(DType.F64)
                            .add(e.get("f").astype(DType.F64))
                            .add(e.get("d"))
                            .add(e.get("i").astype(DType.F64))
                            .add(e.get("l").astype(DType.F64))
                            .add(e.get("s").astype(DType.F64))
                            .add(e.get("bt").astype(DType.F64)),
                        "kept",
                        e.get("flag"),
                        "count",
                        e.get("i").add(e.get("s"))))
            .inputColumns("x", "f", "d", "i", "l", "s", "bt", "flag")
            .transform(df);

    assertThat(out.schema().fieldNames())
        .containsExactly(
            "id", "x", "f", "d", "i", "l", "s", "bt", "flag", "count", "kept", "total");
    assertThat(out.schema().apply("count").dataType()).isEqualTo(DataTypes.IntegerType);
    assertThat(out.schema().apply("kept").dataType()).isEqualTo(DataTypes.BooleanType);
    List<Row> got = out.collectAsList();
    for (int r = 0; r < 9; r++) {
      Row row = got.get(r);
      double expected = (2 * r + 0.5) + r * 0.25 + r * 1.5 + (r - 4) + r * 1000.0 + r * 2 - r;
      assertThat(row.getLong(0)).isEqualTo(r);
      assertThat(row.getDouble(11)).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-6));
      assertThat(row.getBoolean(10)).isEqualTo(r % 2 == 0);
      assertThat(row.getInt(9)).isEqualTo(r - 4 + 2 * r);
    }
  }

  @Test
  void constantsAreAnUnmappedPytreeArgument(SparkSession spark) {
    Model m =
        new Model(Tensor.randomNormal(4, DType.F64, 6, 3), Tensor.randomNormal(5, DType.F64, 3));
    Dataset<Row> df = Frames.idX(spark, x(31, 6), 3);
    SerializableBiFunction<Model, Tensor, Tensor> layer =
        (p, v) -> v.matmul(p.w()).add(p.b()).relu();

    List<Row> out =
        vmapUdf(layer)
            .constants(m)
            .inputColumns("x")
            .outputColumns("h")
            .batchSize(8)
            .transform(df)
            .collectAsList();

    Tensor expected =
        Func.vmap(layer, org.vmap4j.InDims.of(null, 0)).apply(m, Frames.f64(out, "x"));
    assertThat(Frames.f64(out, "h").allClose(expected, 0, TOL)).isTrue();
    assertThat(Frames.ids(out)).isEqualTo(Frames.range(31));
  }

  @Test
  void matrixInputsAndOutputsAsNestedOrFlatArraysWithTheShapeInTheMetadata(SparkSession spark) {
    Dataset<Row> df = Frames.idX(spark, x(12, 6), 2);
    SerializableFunction<Tensor, Tensor> gram = v -> v.transpose().matmul(v);
    VmapUdf udf = vmapUdf(gram).inputColumns("x").shape("x", 2, 3).outputColumns("m");

    Dataset<Row> nested = udf.transform(df);
    Dataset<Row> flat = udf.matrixLayout(MatrixLayout.FLAT).outputColumns("mf").transform(df);

    StructField m = nested.schema().apply("m");
    assertThat(m.dataType())
        .isEqualTo(new ArrayType(new ArrayType(DataTypes.DoubleType, false), false));
    assertThat(m.metadata().getLongArray(VmapUdf.SHAPE_METADATA_KEY)).containsExactly(3, 3);
    assertThat(m.metadata().getString(VmapUdf.DTYPE_METADATA_KEY)).isEqualTo("f64");
    StructField mf = flat.schema().apply("mf");
    assertThat(mf.dataType()).isEqualTo(new ArrayType(DataTypes.DoubleType, false));
    assertThat(mf.metadata().getLongArray(VmapUdf.SHAPE_METADATA_KEY)).containsExactly(3, 3);

    List<Row> rows = nested.collectAsList();
    Tensor expected = Func.vmap(gram).apply(Frames.f64(rows, "x").reshape(12, 2, 3));
    assertThat(Frames.f64(rows, "m").allClose(expected, 0, TOL)).isTrue();
    List<Row> flatRows = flat.collectAsList();
    assertThat(Frames.f64(flatRows, "mf").reshape(12, 3, 3).allClose(expected, 0, TOL)).isTrue();
  }

  @Test
  void aSecondTransformReadsTheFirstOnesOutputsAtTheirShapeFromTheMetadata(SparkSession spark) {
    Dataset<Row> df = Frames.idX(spark, x(10, 4), 2);
    Dataset<Row> first =
        vmapUdf((Tensor v) -> v.unsqueeze(1).matmul(v.unsqueeze(0)))
            .inputColumns("x")
            .outputColumns("outer")
            .matrixLayout(MatrixLayout.FLAT)
            .transform(df);
    Dataset<Row> second =
        vmapUdf((Tensor m) -> m.sum(1))
            .inputColumns("outer")
            .outputColumns("rowsums")
            .transform(first);

    List<Row> out = second.collectAsList();
    Tensor xs = Frames.f64(out, "x");
    Tensor expected =
        Func.vmap((Tensor v) -> v.unsqueeze(1).matmul(v.unsqueeze(0)).sum(1)).apply(xs);
    assertThat(Frames.f64(out, "rowsums").allClose(expected, 0, TOL)).isTrue();
  }

  @Test
  void nestedArrayInputsHaveOneDimensionPerLevel(SparkSession spark) {
    StructType schema =
        new StructType()
            .add("id", DataTypes.LongType)
            .add("m", DataTypes.createArrayType(DataTypes.createArrayType(DataTypes.DoubleType)));
    Tensor ms = Tensor.randomNormal(7, DType.F64, 9, 3, 2);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 9; i++) {
      Object[] outer = new Object[3];
      for (int j = 0; j < 3; j++) {
        outer[j] = ms.index(0, i).index(0, j).toDoubleArray();
      }
      rows.add(RowFactory.create((long) i, outer));
    }
    Dataset<Row> df = Frames.frame(spark, rows, schema, 2);

    List<Row> out =
        vmapUdf((Tensor m) -> m.transpose().matmul(m))
            .inputColumns("m")
            .transform(df)
            .collectAsList();

    Tensor expected = Func.vmap((Tensor m) -> m.transpose().matmul(m)).apply(Frames.f64(out, "m"));
    assertThat(Frames.f64(out, "output").allClose(expected, 0, TOL)).isTrue();
  }

  @Test
  void mllibVectorsDenseAndSparseAreDensified(SparkSession spark) {
    StructType schema =
        new StructType().add("id", DataTypes.LongType).add("v", new TestVectorUDT());
    List<Row> rows =
        List.of(
            RowFactory.create(0L, TestVector.dense(1, 2, 3, 4)),
            RowFactory.create(1L, TestVector.sparse(4, new int[] {1, 3}, new double[] {5, 6})),
            RowFactory.create(2L, TestVector.sparse(4, new int[] {}, new double[] {})),
            RowFactory.create(3L, TestVector.dense(-1, 0, 0, 1)));
    Dataset<Row> df = Frames.frame(spark, rows, schema, 2);

    List<Row> out =
        vmapUdf((Tensor v) -> v.mul(Tensor.arange(4).astype(DType.F64)))
            .inputColumns("v")
            .transform(df)
            .collectAsList();

    Tensor got = Frames.f64(out, "output");
    Tensor expected =
        Tensor.of(new double[] {0, 2, 6, 12, 0, 5, 0, 18, 0, 0, 0, 0, 0, 0, 0, 3}, 4, 4);
    assertThat(got.allClose(expected, 0, 0)).isTrue();
  }

  @Test
  void outputTypesConvertTheElementType(SparkSession spark) {
    Dataset<Row> df = Frames.idX(spark, x(5, 3), 1);
    Dataset<Row> out =
        vmapUdf((Tensor v) -> v.astype(DType.F32).square())
            .inputColumns("x")
            .outputColumns("sq")
            .outputTypes(DataTypes.createArrayType(DataTypes.DoubleType))
            .transform(df);

    assertThat(out.schema().apply("sq").dataType())
        .isEqualTo(new ArrayType(DataTypes.DoubleType, false));
    List<Row> rows = out.collectAsList();
    Tensor expected = Frames.f64(rows, "x").astype(DType.F32).square().astype(DType.F64);
    assertThat(Frames.f64(rows, "sq").allClose(expected, 0, 0)).isTrue();
  }

  @Test
  void emptyDataFramesAndEmptyPartitionsWork(SparkSession spark) {
    Dataset<Row> empty = Frames.frame(spark, List.of(), Frames.ID_X, 3);
    VmapUdf udf = vmapUdf((Tensor v) -> v.sum()).inputColumns("x").shape("x", 4);

    Dataset<Row> out = udf.transform(empty);
    assertThat(out.collectAsList()).isEmpty();
    assertThat(out.schema().fieldNames()).containsExactly("id", "x", "output");

    // 3 rows in 6 partitions: at least 3 empty ones
    Dataset<Row> sparse = Frames.idX(spark, x(3, 4), 6);
    List<Row> rows = udf.transform(sparse).collectAsList();
    assertThat(Frames.ids(rows)).isEqualTo(Frames.range(3));
    assertThat(Frames.f64(rows, "output").allClose(Frames.f64(rows, "x").sum(1), 0, TOL)).isTrue();
  }

  @Test
  void anEmptyDataFrameWithoutADeclaredShapeIsAClearError(SparkSession spark) {
    Dataset<Row> empty = Frames.frame(spark, List.of(), Frames.ID_X, 1);
    assertThatThrownBy(() -> vmapUdf((Tensor v) -> v.sum()).inputColumns("x").transform(empty))
        .hasMessageContaining("cannot infer the per-example shape of column(s) [x]")
        .hasMessageContaining("shape(column, dims...)");
  }

  @Test
  void arrowAndDirectBatchesGiveIdenticalResultsAndArrowMemoryIsReleased(SparkSession spark) {
    Dataset<Row> df = Frames.idX(spark, x(50, 8), 3);
    VmapUdf udf = vmapUdf((Tensor v) -> v.softmax(0)).inputColumns("x").batchSize(16);
    long opened = TaskArrowMemory.opened();

    List<Row> viaArrow = udf.transform(df).collectAsList();
    List<Row> direct = udf.arrowBatches(false).transform(df).collectAsList();

    DataFrameAssertions.assertRowsEqual(viaArrow, direct, new String[] {"id", "x", "output"}, 0);
    assertThat(TaskArrowMemory.opened() - opened).isEqualTo(3);
    assertThat(TaskArrowMemory.closed()).isEqualTo(TaskArrowMemory.opened());
    assertThat(TaskArrowMemory.rootAllocatedBytes()).isZero();
  }

  @Test
  void anActionThatStopsEarlyStillReleasesArrowMemory(SparkSession spark) {
    Dataset<Row> df = Frames.idX(spark, x(40, 8), 2);
    List<Row> few =
        vmapUdf((Tensor v) -> v.sum())
            .inputColumns("x")
            .batchSize(4)
            .transform(df)
            .limit(3)
            .collectAsList();

    assertThat(few).hasSize(3);
    assertThat(TaskArrowMemory.closed()).isEqualTo(TaskArrowMemory.opened());
    assertThat(TaskArrowMemory.rootAllocatedBytes()).isZero();
  }

  @Test
  void theKernelIsPreparedOncePerJvmNotPerTaskOrBatch(SparkSession spark) {
    Dataset<Row> df = Frames.idX(spark, x(60, 3), 4);
    long before = ExecutorRuntime.get().preparations();
    // a program no other test runs: kernels are cached per JVM by program, across test classes
    List<Row> out =
        vmapUdf((Tensor v) -> v.sum().mul(60))
            .inputColumns("x")
            .batchSize(5)
            .transform(df)
            .collectAsList();
    // 4 tasks of 3 batches each, in one JVM (local mode): one preparation
    assertThat(out).hasSize(60);
    assertThat(ExecutorRuntime.get().preparations() - before).isEqualTo(1);
  }

  @Test
  void theShapeIsInferredFromTheFirstRowWithoutNulls(SparkSession spark) {
    List<Row> rows = new ArrayList<>();
    rows.add(RowFactory.create(0L, null));
    rows.add(RowFactory.create(1L, new double[] {1, 2, 3}));
    Dataset<Row> df = Frames.frame(spark, rows, Frames.ID_X, 1);
    StructType schema =
        vmapUdf((Tensor v) -> v.mul(2)).inputColumns("x").errorColumn("why").outputSchema(df);
    assertThat(schema.apply("output").metadata().getLongArray(VmapUdf.SHAPE_METADATA_KEY))
        .containsExactly(3);
  }

  @Test
  void theSessionsArrowBatchSizeIsTheDefault(SparkSession spark) {
    spark.conf().set(ArrowBatching.MAX_RECORDS_PER_BATCH, "3");
    try {
      VmapUdfPlanner.Plan plan =
          vmapUdf((Tensor v) -> v.sum())
              .inputColumns("x")
              .shape("x", 2)
              .plan(Frames.frame(spark, List.of(), Frames.ID_X, 1));
      assertThat(plan.batchSize()).isEqualTo(3);
    } finally {
      spark.conf().unset(ArrowBatching.MAX_RECORDS_PER_BATCH);
    }
  }
}
