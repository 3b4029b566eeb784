package org.vmap4j.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
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
import org.vmap4j.PerSampleGrads;
import org.vmap4j.Tensor;
import org.vmap4j.Tree;

/**
 * The connector's per-sample reductions (projection, dot, norms without gradient columns, the
 * DataFrame clipped sum) against a per-row loop of core's {@code grad} on the collected rows (F64,
 * 1e-9), and the compiler's rewrites on the program the executors run.
 */
@ExtendWith(SharedSpark.class)
class PerSampleReductionsTest {
  static final double TOL = 1e-9;
  static final int N = 57;
  static final int D = 6;
  static final int H = 5;

  /** A one-hidden-layer logistic model: two linear layers, so the rewrites have work to do. */
  record Mlp(Tensor w1, Tensor b1, Tensor w2, Tensor b2) {}

  static Tensor loss(Mlp p, Map<String, Tensor> e) {
    Tensor z = e.get("features").matmul(p.w1()).add(p.b1()).tanh().matmul(p.w2()).add(p.b2());
    // softplus(z) - y z, softplus as a logSumExp of (0, z): smooth and stable
    return Tensor.stack(0, z.mul(0), z).logSumExp(0).sub(e.get("label").mul(z));
  }

  static Mlp params() {
    return new Mlp(
        Tensor.randomNormal(31, DType.F64, D, H).mul(0.5),
        Tensor.randomNormal(32, DType.F64, H).mul(0.1),
        Tensor.randomNormal(33, DType.F64, H).mul(0.5),
        Tensor.scalar(0.2));
  }

  static Dataset<Row> data(SparkSession spark, int n) {
    StructType schema =
        new StructType()
            .add("id", DataTypes.LongType)
            .add("features", DataTypes.createArrayType(DataTypes.DoubleType))
            .add("label", DataTypes.DoubleType);
    Tensor x = Tensor.randomNormal(34, DType.F64, Math.max(n, 1), D);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      rows.add(
          RowFactory.create(
              (long) i, x.index(0, i).toDoubleArray(), (double) (i % 3 == 0 ? 1 : 0)));
    }
    return Frames.frame(spark, rows, schema, 3);
  }

  /** Each collected row's own gradient, one {@code grad} call per row (no vmap, no rewrite). */
  static List<Mlp> perRowGradients(List<Row> rows) {
    Tensor x = Frames.f64(rows, "features");
    Tensor y = Frames.f64(rows, "label");
    BiFunction<Mlp, Map<String, Tensor>, Mlp> grad = Func.grad(PerSampleReductionsTest::loss);
    List<Mlp> out = new ArrayList<>();
    for (int i = 0; i < rows.size(); i++) {
      out.add(grad.apply(params(), Map.of("features", x.index(0, i), "label", y.index(0, i))));
    }
    return out;
  }

  @Test
  void projectionColumnIsTheSeededProjectionOfEachRowsGradient(SparkSession spark) {
    int k = 7;
    long seed = 99;
    List<Row> rows =
        PerSampleGradients.of(PerSampleReductionsTest::loss, params())
            .inputColumns("features", "label")
            .withProjection("proj", k, seed)
            .configure(u -> u.batchSize(10))
            .transform(data(spark, N))
            .collectAsList();

    // Ω's row j, leaf by leaf: p_j ⊗ q_j for a matrix leaf, w_j for a vector or scalar leaf
    List<List<Tensor>> f = PerSampleGrads.projectionFactors(params(), k, seed);
    List<Mlp> grads = perRowGradients(rows);
    double[] want = new double[N * k];
    for (int i = 0; i < N; i++) {
      List<Tensor> g = Tree.leaves(grads.get(i));
      for (int j = 0; j < k; j++) {
        double s = 0;
        for (int l = 0; l < g.size(); l++) {
          double[] gv = g.get(l).toDoubleArray();
          if (f.get(l).size() == 2) {
            double[] pj = f.get(l).get(0).index(0, j).toDoubleArray();
            double[] qj = f.get(l).get(1).index(0, j).toDoubleArray();
            for (int a = 0; a < pj.length; a++) {
              for (int b = 0; b < qj.length; b++) {
                s += pj[a] * gv[a * qj.length + b] * qj[b];
              }
            }
          } else {
            double[] wj = f.get(l).get(0).index(0, j).toDoubleArray();
            for (int a = 0; a < wj.length; a++) {
              s += wj[a] * gv[a];
            }
          }
        }
        want[i * k + j] = s / Math.sqrt(k);
      }
    }
    assertThat(Frames.f64(rows, "proj").allClose(Tensor.of(want, N, k), 0, TOL)).isTrue();
    // the gradient columns are still there (withoutGradients() leaves them out)
    assertThat(rows.get(0).schema().fieldNames()).contains("grad_w1", "grad_b2", "proj");
  }

  @Test
  void dotColumnIsEachRowsGradientDottedWithTheReference(SparkSession spark) {
    Mlp reference =
        new Mlp(
            Tensor.randomNormal(41, DType.F64, D, H),
            Tensor.randomNormal(42, DType.F64, H),
            Tensor.randomNormal(43, DType.F64, H),
            Tensor.scalar(-0.7));
    List<Row> rows =
        PerSampleGradients.of(PerSampleReductionsTest::loss, params())
            .inputColumns("features", "label")
            .withDot("tracin", reference)
            .withNorm("norm")
            .withoutGradients()
            .configure(u -> u.batchSize(16))
            .transform(data(spark, N))
            .collectAsList();

    assertThat(rows.get(0).schema().fieldNames())
        .containsExactly("id", "features", "label", "norm", "tracin");
    List<Mlp> grads = perRowGradients(rows);
    double[] dots = new double[N];
    double[] norms = new double[N];
    for (int i = 0; i < N; i++) {
      List<Tensor> g = Tree.leaves(grads.get(i));
      List<Tensor> r = Tree.leaves(reference);
      for (int l = 0; l < g.size(); l++) {
        double[] gv = g.get(l).toDoubleArray();
        double[] rv = r.get(l).toDoubleArray();
        for (int a = 0; a < gv.length; a++) {
          dots[i] += gv[a] * rv[a];
          norms[i] += gv[a] * gv[a];
        }
      }
      norms[i] = Math.sqrt(norms[i]);
    }
    assertThat(Frames.f64(rows, "tracin").allClose(Tensor.of(dots, N), 0, TOL)).isTrue();
    assertThat(Frames.f64(rows, "norm").allClose(Tensor.of(norms, N), 0, TOL)).isTrue();
  }

  @Test
  void withoutGradientColumnsTheExecutorsProgramIsRewritten(SparkSession spark) {
    PerSampleGradients reductions =
        PerSampleGradients.of(PerSampleReductionsTest::loss, params())
            .inputColumns("features", "label")
            .withNorm("norm")
            .withDot("dot", params())
            .withProjection("proj", 4, 1)
            .configure(u -> u.batchSize(8));
    String optimized = reductions.withoutGradients().explain(data(spark, N));
    assertThat(optimized)
        .contains("rewrite=ghost_norm", "rewrite=per_sample_dot", "rewrite=rank_one_projection")
        .doesNotContain("[8," + D + "," + H + "]");
    // with the gradient columns, each row's [D, H] gradient is an output, so it is formed
    assertThat(reductions.explain(data(spark, N))).contains("[8," + D + "," + H + "]");
  }

  @Test
  void clippedGradientSumOfADataFrameEqualsThePerRowLoop(SparkSession spark) {
    double c = 0.3;
    Dataset<Row> df = data(spark, N);
    PerSampleGradients.ClippedSum<Mlp> sum =
        PerSampleGradients.of(PerSampleReductionsTest::loss, params())
            .inputColumns("features", "label")
            .clipNorm(c)
            .configure(u -> u.batchSize(8)) // several batches per partition, the last shorter
            .clippedGradientSum(df);

    List<Row> rows = df.collectAsList();
    assertThat(sum.rows()).isEqualTo(N);
    assertLeavesClose(sum.sum(), loopClippedSum(rows, c));
    // clipping was active: some rows' gradients were longer than c
    assertThat(perRowGradients(rows).stream().anyMatch(g -> squaredNorm(g) > c * c)).isTrue();
  }

  /** {@code Σ_rows g · min(1, c / (|g| + 1e-6))} by a loop of {@code grad} over the rows, F64. */
  static List<Tensor> loopClippedSum(List<Row> rows, double c) {
    List<Tensor> want = new ArrayList<>();
    for (Tensor leaf : Tree.leaves(params())) {
      want.add(Tensor.zeros(DType.F64, leaf.shape()));
    }
    for (Mlp g : perRowGradients(rows)) {
      double factor = Math.min(1, c / (Math.sqrt(squaredNorm(g)) + 1e-6));
      List<Tensor> leaves = Tree.leaves(g);
      for (int l = 0; l < want.size(); l++) {
        want.set(l, want.get(l).add(leaves.get(l).mul(factor)));
      }
    }
    return want;
  }

  /** The squared norm of a gradient over all its leaves, by a plain loop. */
  static double squaredNorm(Mlp g) {
    double sq = 0;
    for (Tensor t : Tree.leaves(g)) {
      for (double v : t.toDoubleArray()) {
        sq += v * v;
      }
    }
    return sq;
  }

  static void assertLeavesClose(Mlp got, List<Tensor> want) {
    List<Tensor> leaves = Tree.leaves(got);
    assertThat(leaves).hasSize(want.size());
    for (int l = 0; l < want.size(); l++) {
      assertThat(leaves.get(l).shape()).isEqualTo(want.get(l).shape());
      assertThat(leaves.get(l).allClose(want.get(l), 0, TOL)).as("leaf %d", l).isTrue();
    }
  }

  @Test
  void arrowAndDirectBatchesGiveBitIdenticalSumsAndReleaseTheirArrowMemory(SparkSession spark) {
    // 3 partitions of 19 rows, batches of 8: two full batches (the second read into the first's
    // tensor) and a shorter last one per partition
    Dataset<Row> df = data(spark, N);
    PerSampleGradients g =
        PerSampleGradients.of(PerSampleReductionsTest::loss, params())
            .inputColumns("features", "label")
            .clipNorm(0.3)
            .configure(u -> u.batchSize(8));
    long opened = org.vmap4j.spark.executor.TaskArrowMemory.opened();
    PerSampleGradients.ClippedSum<Mlp> viaArrow = g.clippedGradientSum(df);
    // one task allocator per partition: the rows went through Arrow vectors
    assertThat(org.vmap4j.spark.executor.TaskArrowMemory.opened() - opened).isEqualTo(3);
    PerSampleGradients.ClippedSum<Mlp> direct =
        g.configure(u -> u.arrowBatches(false)).clippedGradientSum(df);
    // gathered straight into Java arrays: no allocator
    assertThat(org.vmap4j.spark.executor.TaskArrowMemory.opened() - opened).isEqualTo(3);
    assertThat(org.vmap4j.spark.executor.TaskArrowMemory.closed())
        .isEqualTo(org.vmap4j.spark.executor.TaskArrowMemory.opened());
    assertThat(org.vmap4j.spark.executor.TaskArrowMemory.rootAllocatedBytes()).isZero();

    assertThat(viaArrow.rows()).isEqualTo(N);
    assertThat(direct.rows()).isEqualTo(N);
    List<Tensor> a = Tree.leaves(viaArrow.sum());
    List<Tensor> d = Tree.leaves(direct.sum());
    for (int l = 0; l < a.size(); l++) {
      assertThat(a.get(l).toDoubleArray()).as("leaf %d", l).isEqualTo(d.get(l).toDoubleArray());
    }
    assertLeavesClose(viaArrow.sum(), loopClippedSum(df.collectAsList(), 0.3));
  }

  @Test
  void partitionsWithNoRowsAddNothing(SparkSession spark) {
    // 5 rows over 8 partitions: at least three partitions have no row
    List<Row> five = data(spark, 5).collectAsList();
    Dataset<Row> sparse = Frames.frame(spark, five, data(spark, 0).schema(), 8);
    PerSampleGradients g =
        PerSampleGradients.of(PerSampleReductionsTest::loss, params())
            .inputColumns("features", "label")
            .clipNorm(0.3)
            .configure(u -> u.batchSize(2));
    PerSampleGradients.ClippedSum<Mlp> sum = g.clippedGradientSum(sparse);
    assertThat(sum.rows()).isEqualTo(5);
    assertLeavesClose(sum.sum(), loopClippedSum(five, 0.3));

    // a DataFrame whose every partition is empty, with the shape declared: the job runs, and each
    // partition adds zeros over no rows
    Dataset<Row> none = data(spark, N).where("id < 0");
    PerSampleGradients.ClippedSum<Mlp> zero =
        g.configure(u -> u.shape("features", D)).clippedGradientSum(none);
    assertThat(zero.rows()).isZero();
    assertThat(zero.sum().w1().shape()).containsExactly(D, H);
    for (Tensor t : Tree.leaves(zero.sum())) {
      assertThat(t.abs().sum().item()).isZero();
    }
  }

  @Test
  void aColumnOfTheWrongTypeOrANullRowFailsTheSumNamingTheColumn(SparkSession spark) {
    StructType schema =
        new StructType()
            .add("id", DataTypes.LongType)
            .add("features", DataTypes.StringType)
            .add("label", DataTypes.DoubleType);
    PerSampleGradients g =
        PerSampleGradients.of(PerSampleReductionsTest::loss, params())
            .inputColumns("features", "label")
            .clipNorm(1);
    Dataset<Row> strings =
        Frames.frame(spark, List.of(RowFactory.create(1L, "0.5,1.5", 1.0)), schema, 1);
    assertThatThrownBy(() -> g.clippedGradientSum(strings))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("column 'features' has Spark type string, which is not a tensor");
    // on an empty DataFrame too: no rows are needed to see that the type or the name is wrong
    Dataset<Row> noStrings = Frames.frame(spark, List.of(), schema, 1);
    assertThatThrownBy(() -> g.clippedGradientSum(noStrings))
        .hasMessageContaining("column 'features' has Spark type string, which is not a tensor");
    assertThatThrownBy(() -> g.inputColumns("feature", "label").clippedGradientSum(data(spark, 0)))
        .hasMessageContaining(
            "no column 'feature' in the DataFrame; its columns are [id, features, label]");

    // a null example, in the Arrow batches and in the direct ones alike
    List<Row> rows = new ArrayList<>(data(spark, 4).collectAsList());
    rows.set(2, RowFactory.create(12L, null, 1.0));
    Dataset<Row> withNull = Frames.frame(spark, rows, data(spark, 0).schema(), 1);
    PerSampleGradients declared = g.configure(u -> u.shape("features", D));
    for (PerSampleGradients way :
        List.of(declared, declared.configure(u -> u.arrowBatches(false)))) {
      assertThatThrownBy(() -> way.clippedGradientSum(withNull))
          .isInstanceOf(BadInputException.class)
          .hasMessageContaining("column 'features', partition 0, row 2: null")
          .hasMessageContaining("filter out or repair this row");
    }
  }

  @Test
  void anEmptyDataFrameSumsToZeroOverNoRows(SparkSession spark) {
    PerSampleGradients.ClippedSum<Mlp> sum =
        PerSampleGradients.of(PerSampleReductionsTest::loss, params())
            .inputColumns("features", "label")
            .clipNorm(1.0)
            .clippedGradientSum(data(spark, 0));
    assertThat(sum.rows()).isZero();
    assertThat(sum.sum().w1().shape()).containsExactly(D, H);
    for (Tensor t : Tree.leaves(sum.sum())) {
      assertThat(t.abs().sum().item()).isZero();
    }
  }

  @Test
  void anEmptyDataFrameWithDeclaredShapesGivesNoRowsAndTheColumns(SparkSession spark) {
    Dataset<Row> out =
        PerSampleGradients.of(PerSampleReductionsTest::loss, params())
            .inputColumns("features", "label")
            .withProjection("proj", 3, 5)
            .withoutGradients()
            .configure(u -> u.shape("features", D))
            .transform(data(spark, 0));
    assertThat(out.schema().fieldNames()).containsExactly("id", "features", "label", "proj");
    assertThat(out.collectAsList()).isEmpty();
  }

  @Test
  void badInputIsRefusedNamingWhatIsWrong(SparkSession spark) {
    PerSampleGradients g =
        PerSampleGradients.of(PerSampleReductionsTest::loss, params())
            .inputColumns("features", "label");
    assertThatThrownBy(() -> g.withProjection("p", 0, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("k is the projection's dimension and must be at least 1, got 0");
    assertThatThrownBy(() -> g.withProjection("p", -3, 1)).hasMessageContaining("got -3");

    Mlp wrongShape =
        new Mlp(
            Tensor.zeros(DType.F64, D, H),
            Tensor.zeros(DType.F64, H),
            Tensor.zeros(DType.F64, H + 1),
            Tensor.scalar(0.0));
    assertThatThrownBy(() -> g.withDot("d", wrongShape))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("reference leaf w2 has shape [6] but parameter w2 has shape [5]");
    assertThatThrownBy(() -> g.withDot("d", List.of(Tensor.zeros(DType.F64, D, H))))
        .hasMessageContaining("the reference must have the parameters' structure");

    assertThatThrownBy(() -> g.clippedGradientSum(data(spark, 4)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("clipNorm(maxNorm)");
    assertThatThrownBy(() -> g.withoutGradients().toVmapUdf())
        .hasMessageContaining("withoutGradients() leaves no column");
    assertThatThrownBy(
            () -> g.inputColumns("feature", "label").clipNorm(1).clippedGradientSum(data(spark, 4)))
        .hasMessageContaining(
            "no column 'feature' in the DataFrame; its columns are [id, features, label]");
  }

  @Test
  void reductionColumnNamesAndEmptyInputFailNamingTheBuilderMethodAndTheFix(SparkSession spark) {
    PerSampleGradients g =
        PerSampleGradients.of(PerSampleReductionsTest::loss, params())
            .inputColumns("features", "label");
    Mlp ref = params();
    // a name the DataFrame already has, in any case (Spark's column names ignore case by default)
    assertThatThrownBy(() -> g.withProjection("Features", 4, 1).transform(data(spark, 4)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(
            "PerSampleGradients: withProjection names the column 'Features', but the DataFrame"
                + " already has a column 'features' (its columns are [id, features, label]);"
                + " choose another name there");
    assertThatThrownBy(() -> g.withDot("label", ref).withoutGradients().explain(data(spark, 4)))
        .hasMessageContaining("withDot names the column 'label', but the DataFrame already has");
    // two reductions under one name, or a reduction under a gradient column's name
    assertThatThrownBy(() -> g.withNorm("s").withDot("s", ref).toVmapUdf())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(
            "PerSampleGradients: withDot names its column 's', which withNorm already names;"
                + " give each column its own name");
    assertThatThrownBy(() -> g.withProjection("GRAD_w1", 4, 1).toVmapUdf())
        .hasMessageContaining(
            "withProjection names its column 'GRAD_w1', which prefix(\"grad\") (the gradient"
                + " columns) already names as 'grad_w1'");
    // without the gradient columns their names are free
    assertThat(
            g.withProjection("grad_w1", 4, 1)
                .withoutGradients()
                .outputSchema(data(spark, 4))
                .fieldNames())
        .containsExactly("id", "features", "label", "grad_w1");
    // blank and null names
    assertThatThrownBy(() -> g.withProjection(" ", 4, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("PerSampleGradients.withProjection: the column name is blank (' ')");
    assertThatThrownBy(() -> g.withDot(null, ref))
        .hasMessageContaining("PerSampleGradients.withDot: the column name is null");
    // a misspelt input column, as without the reduction columns
    assertThatThrownBy(
            () ->
                g.inputColumns("feature", "label")
                    .withProjection("p", 4, 1)
                    .withDot("d", ref)
                    .withoutGradients()
                    .transform(data(spark, 4)))
        .hasMessageContaining(
            "no column 'feature' in the DataFrame; its columns are [id, features, label]");
    // empty input: the shape cannot be read from it, and the fix is this builder's configure
    assertThatThrownBy(
            () -> g.withProjection("p", 4, 1).withoutGradients().transform(data(spark, 0)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(
            "PerSampleGradients: the per-example shape of input column(s) [features] cannot be"
                + " read from this DataFrame: it has no row where they are all non-null")
        .hasMessageContaining("declare it with configure(u -> u.shape(\"features\", dims...))");
    assertThatThrownBy(() -> g.withDot("d", ref).withoutGradients().explain(data(spark, 0)))
        .hasMessageContaining("configure(u -> u.shape(\"features\", dims...))");
    // a k whose factors no array can hold names withProjection and k
    assertThatThrownBy(() -> g.withProjection("p", Integer.MAX_VALUE, 1).toVmapUdf())
        .hasMessageContaining(
            "PerSampleGradients.withProjection(\"p\", k = 2147483647, ...): the projection's"
                + " factors cannot be built");
    // the udf under it: an output name that differs from a column's only by case clashes too
    assertThatThrownBy(
            () ->
                VmapFunctions.vmapUdf((SerializableFunction<Tensor, Tensor>) v -> v.sum())
                    .inputColumns("features")
                    .outputColumns("LABEL")
                    .transform(data(spark, 4)))
        .hasMessageStartingWith("vmapUdf: output column 'LABEL' is already a column");
  }

  @Test
  void aRowOfTheWrongLengthInTheSumIsNamedWithItsShapeAndTheFix(SparkSession spark) {
    StructType schema =
        new StructType()
            .add("id", DataTypes.LongType)
            .add("features", DataTypes.createArrayType(DataTypes.DoubleType))
            .add("label", DataTypes.DoubleType);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      rows.add(RowFactory.create(10L + i, new double[i == 2 ? D - 1 : D], 1.0));
    }
    Dataset<Row> df = Frames.frame(spark, rows, schema, 1);
    PerSampleGradients g =
        PerSampleGradients.of(PerSampleReductionsTest::loss, params())
            .inputColumns("features", "label")
            .clipNorm(1);
    assertThatThrownBy(() -> g.clippedGradientSum(df))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("column 'features', partition 0, row 2: array of 5 elements")
        .hasMessageContaining("filter out or repair this row")
        .hasMessageContaining("configure(u -> u.shape(\"features\", dims...))")
        .hasMessageContaining("expected a per-example shape of [6] (f64 from Spark double)");
    // with a key column, the message quotes the row's key
    assertThatThrownBy(() -> g.configure(u -> u.keyColumn("id")).clippedGradientSum(df))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("column 'features', row id=12 (partition 0, row 2)");
  }

  @Test
  void aNonFiniteRowFailsTheSumWhenTheUdfRejectsNonFiniteValues(SparkSession spark) {
    StructType schema =
        new StructType()
            .add("features", DataTypes.createArrayType(DataTypes.DoubleType))
            .add("label", DataTypes.DoubleType);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      double[] x = new double[D];
      x[1] = i == 3 ? Double.NaN : 0.5 * i;
      rows.add(RowFactory.create(x, 1.0));
    }
    Dataset<Row> df = Frames.frame(spark, rows, schema, 1);
    PerSampleGradients g =
        PerSampleGradients.of(PerSampleReductionsTest::loss, params())
            .inputColumns("features", "label")
            .clipNorm(1);
    // by default NaN is a value like any other: it reaches the sum and shows there
    PerSampleGradients.ClippedSum<Mlp> sum = g.clippedGradientSum(df);
    assertThat(Double.isNaN(sum.sum().w1().sum().item())).isTrue();
    assertThatThrownBy(() -> g.configure(u -> u.rejectNonFinite()).clippedGradientSum(df))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("column 'features', partition 0, row 3: NaN at")
        .hasMessageContaining("(non-finite values are rejected)");
  }

  /**
   * The loss of a model that reads its example as a [2, 3] matrix (an MLlib vector of 6 read as [2,
   * 3] plus an array column declared [2, 3]): each of the two rows goes through the same small
   * layer, the two results are summed.
   */
  static Tensor matrixLoss(Mlp p, Map<String, Tensor> e) {
    Tensor x = e.get("features").reshape(2, 3).add(e.get("context").mul(0.5));
    Tensor z = x.matmul(p.w1()).add(p.b1()).tanh().matmul(p.w2()).add(p.b2()).sum();
    return Tensor.stack(0, z.mul(0), z).logSumExp(0).sub(e.get("label").mul(z));
  }

  static Mlp matrixParams() {
    return new Mlp(
        Tensor.randomNormal(41, DType.F64, 3, H).mul(0.5),
        Tensor.randomNormal(42, DType.F64, H).mul(0.1),
        Tensor.randomNormal(43, DType.F64, H).mul(0.5),
        Tensor.scalar(0.2));
  }

  @Test
  void clippedSumReadsMllibVectorsWithADeclaredReshapeAsTheUdfDoes(SparkSession spark) {
    StructType schema =
        new StructType()
            .add("features", org.apache.spark.ml.linalg.SQLDataTypes.VectorType())
            .add("context", DataTypes.createArrayType(DataTypes.DoubleType))
            .add("label", DataTypes.DoubleType);
    Tensor x = Tensor.randomNormal(44, DType.F64, N, 6);
    Tensor ctx = Tensor.randomNormal(45, DType.F64, N, 6);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      double[] v = x.index(0, i).toDoubleArray();
      org.apache.spark.ml.linalg.Vector vector =
          i % 4 == 1 // some rows sparse: two non-zeros
              ? org.apache.spark.ml.linalg.Vectors.sparse(
                  6, new int[] {1, 4}, new double[] {v[1], v[4]})
              : org.apache.spark.ml.linalg.Vectors.dense(v);
      rows.add(
          RowFactory.create(
              vector, ctx.index(0, i).toDoubleArray(), (double) (i % 3 == 0 ? 1 : 0)));
    }
    Dataset<Row> df = Frames.frame(spark, rows, schema, 3);
    double c = 0.4;
    PerSampleGradients g =
        PerSampleGradients.of(PerSampleReductionsTest::matrixLoss, matrixParams())
            .inputColumns("features", "context", "label")
            .clipNorm(c)
            .configure(u -> u.shape("context", 2, 3).batchSize(8));
    PerSampleGradients.ClippedSum<Mlp> sum = g.clippedGradientSum(df);

    // the loop: each collected row's vector densified by MLlib, its context reshaped to [2, 3],
    // one grad call per row
    BiFunction<Mlp, Map<String, Tensor>, Mlp> grad = Func.grad(PerSampleReductionsTest::matrixLoss);
    List<Tensor> want = new ArrayList<>();
    for (Tensor leaf : Tree.leaves(matrixParams())) {
      want.add(Tensor.zeros(DType.F64, leaf.shape()));
    }
    boolean clipped = false;
    List<Double> loopNorms = new ArrayList<>();
    for (Row r : df.collectAsList()) {
      double[] v = ((org.apache.spark.ml.linalg.Vector) r.get(0)).toArray();
      Mlp one =
          grad.apply(
              matrixParams(),
              Map.of(
                  "features",
                  Tensor.of(v, 6),
                  "context",
                  Frames.f64(List.of(r), "context").reshape(2, 3),
                  "label",
                  Tensor.scalar(r.getDouble(2))));
      double norm = Math.sqrt(PerSampleGrads.squaredNorm(one).item());
      loopNorms.add(norm);
      clipped |= norm > c;
      double factor = Math.min(1, c / (norm + 1e-6));
      List<Tensor> leaves = Tree.leaves(one);
      for (int l = 0; l < want.size(); l++) {
        want.set(l, want.get(l).add(leaves.get(l).mul(factor)));
      }
    }
    assertThat(clipped).as("clipping was active").isTrue();
    assertThat(sum.rows()).isEqualTo(N);
    List<Tensor> got = Tree.leaves(sum.sum());
    for (int l = 0; l < want.size(); l++) {
      assertThat(got.get(l).shape()).isEqualTo(want.get(l).shape());
      assertThat(got.get(l).allClose(want.get(l), 0, TOL)).as("leaf %d", l).isTrue();
    }

    // the udf reads the same column forms: its norm column holds the loop's norms
    List<Double> udfNorms = new ArrayList<>();
    for (Row r : g.withNorm("n").withoutGradients().transform(df).collectAsList()) {
      udfNorms.add(((Number) r.getAs("n")).doubleValue());
    }
    java.util.Collections.sort(udfNorms);
    java.util.Collections.sort(loopNorms);
    assertThat(udfNorms).hasSize(N);
    for (int i = 0; i < N; i++) {
      assertThat(udfNorms.get(i))
          .isCloseTo(loopNorms.get(i), org.assertj.core.data.Offset.offset(TOL));
    }

    // a vector of the wrong size is named as the udf names it
    List<Row> bad = new ArrayList<>(rows.subList(0, 5));
    bad.set(
        3,
        RowFactory.create(
            org.apache.spark.ml.linalg.Vectors.dense(1, 2, 3, 4, 5), new double[6], 0.0));
    assertThatThrownBy(() -> g.clippedGradientSum(Frames.frame(spark, bad, schema, 1)))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("column 'features', partition 0, row 3: dense vector of size 5")
        .hasMessageContaining("expected a per-example shape of [6]");
    // and a context array of the wrong length against its declared [2, 3]
    bad.set(
        3,
        RowFactory.create(
            org.apache.spark.ml.linalg.Vectors.dense(new double[6]), new double[7], 0.0));
    assertThatThrownBy(() -> g.clippedGradientSum(Frames.frame(spark, bad, schema, 1)))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("column 'context', partition 0, row 3: array of 7 elements")
        .hasMessageContaining("expected a per-example shape of [2, 3]");
  }
}
