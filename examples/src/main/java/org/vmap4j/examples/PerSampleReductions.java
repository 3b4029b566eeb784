package org.vmap4j.examples;

import static org.vmap4j.Func.grad;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.vmap4j.DType;
import org.vmap4j.PerSampleGrads;
import org.vmap4j.Tensor;
import org.vmap4j.spark.PerSampleGradients;
import org.vmap4j.spark.SerializableBiFunction;

/**
 * Per-sample gradient norms and the clipped gradient sum of a small MLP, computed by {@link
 * PerSampleGrads} (whose compiled route rewrites the per-sample gradients of each linear layer into
 * closed forms that never build them), then the same over a Spark DataFrame with the connector's
 * {@link PerSampleGradients} (a norm and a dot-with-reference column without gradient columns, and
 * the clipped gradient sum of the whole DataFrame), all checked against a plain loop of {@code
 * grad} calls, one example at a time.
 */
final class PerSampleReductions {
  private PerSampleReductions() {}

  /** A two-layer MLP: {@code w1 [D, H]}, {@code b1 [H]}, {@code w2 [H, O]}, {@code b2 [O]}. */
  record Mlp(Tensor w1, Tensor b1, Tensor w2, Tensor b2) {}

  /** Loop and rewritten route agree to rounding (F64). */
  static final double TOLERANCE = 1e-9;

  /** The largest differences to the loop, and whether the rewrites fired, for tests. */
  record Result(
      double normError,
      double clippedSumError,
      boolean rewritten,
      double sparkNormError,
      double sparkDotError,
      double sparkClippedSumError,
      long sparkRows) {}

  static Result run(SparkSession spark, PrintStream out) {
    int b = 256;
    int d = 64;
    int h = 128;
    int o = 10;
    Mlp params =
        new Mlp(
            Tensor.randomNormal(21, DType.F64, d, h).mul(1 / Math.sqrt(d)),
            Tensor.randomNormal(22, DType.F64, h).mul(0.1),
            Tensor.randomNormal(23, DType.F64, h, o).mul(1 / Math.sqrt(h)),
            Tensor.randomNormal(24, DType.F64, o).mul(0.1));
    Tensor xs = Tensor.randomNormal(25, DType.F64, b, d);
    SerializableBiFunction<Mlp, Tensor, Tensor> loss =
        (p, x) -> x.matmul(p.w1()).add(p.b1()).tanh().matmul(p.w2()).add(p.b2()).logSumExp(0);
    // a fixed reference gradient for the dot products (TracIn-style scores)
    Mlp reference =
        new Mlp(
            Tensor.randomNormal(31, DType.F64, d, h),
            Tensor.randomNormal(32, DType.F64, h),
            Tensor.randomNormal(33, DType.F64, h, o),
            Tensor.randomNormal(34, DType.F64, o));
    double maxNorm = 1.0;

    PerSampleGrads<Mlp, Tensor> perSample = PerSampleGrads.of(loss);
    Tensor norms = perSample.norms(params, xs);
    Mlp clipped = perSample.clippedSum(params, xs, maxNorm);
    boolean rewritten = perSample.explain(params, xs).contains("rewrite=ghost_norm");

    // the reference: one grad call per example, its norm, the clipped sum by hand
    BiFunction<Mlp, Tensor, Mlp> g = grad(loss);
    double normError = 0;
    double[] loopNorms = new double[b];
    double[] loopDots = new double[b];
    Mlp sum = null;
    for (int i = 0; i < b; i++) {
      Mlp gi = g.apply(params, xs.index(0, i));
      double norm =
          Math.sqrt(
              gi.w1().square().sum().item()
                  + gi.b1().square().sum().item()
                  + gi.w2().square().sum().item()
                  + gi.b2().square().sum().item());
      normError = Math.max(normError, Math.abs(norm - norms.index(0, i).item()));
      loopNorms[i] = norm;
      loopDots[i] =
          gi.w1().mul(reference.w1()).sum().item()
              + gi.b1().mul(reference.b1()).sum().item()
              + gi.w2().mul(reference.w2()).sum().item()
              + gi.b2().mul(reference.b2()).sum().item();
      double scale = Math.min(1, maxNorm / (norm + 1e-6));
      Mlp scaled =
          new Mlp(gi.w1().mul(scale), gi.b1().mul(scale), gi.w2().mul(scale), gi.b2().mul(scale));
      sum =
          sum == null
              ? scaled
              : new Mlp(
                  sum.w1().add(scaled.w1()),
                  sum.b1().add(scaled.b1()),
                  sum.w2().add(scaled.w2()),
                  sum.b2().add(scaled.b2()));
    }
    double clippedSumError =
        Math.max(
            Math.max(maxAbs(sum.w1(), clipped.w1()), maxAbs(sum.b1(), clipped.b1())),
            Math.max(maxAbs(sum.w2(), clipped.w2()), maxAbs(sum.b2(), clipped.b2())));

    out.printf(
        "   MLP %d -> %d -> %d (%d parameters), B = %d: per-sample gradient norms, first four %s%n",
        d, h, o, d * h + h + h * o + o, b, norms.slice(0, 0, 4));
    out.println(
        "   the compiled program "
            + (rewritten
                ? "computes them by the ghost-norm rewrite (no [B, P] gradients formed)"
                : "forms the per-sample gradients (no rewrite fired)"));
    out.printf(
        "   against a loop of grad, one example at a time: norms %.3g, clipped sum (C = %.1f) %.3g%n",
        Main.checked(normError, TOLERANCE), maxNorm, Main.checked(clippedSumError, TOLERANCE));

    // the same rows as a DataFrame: norm and dot columns (no gradient columns), the clipped sum
    Dataset<Row> df = dataFrame(spark, xs);
    PerSampleGradients onSpark =
        PerSampleGradients.of(loss, params).inputColumns("x").clipNorm(maxNorm);
    List<Row> scores =
        onSpark
            .withNorm("norm")
            .withDot("tracin", reference)
            .withoutGradients()
            .transform(df)
            .orderBy("id")
            .select("norm", "tracin")
            .collectAsList();
    double sparkNormError = 0;
    double sparkDotError = 0;
    for (int i = 0; i < b; i++) {
      sparkNormError =
          Math.max(sparkNormError, Math.abs(scores.get(i).getDouble(0) - loopNorms[i]));
      sparkDotError = Math.max(sparkDotError, Math.abs(scores.get(i).getDouble(1) - loopDots[i]));
    }
    PerSampleGradients.ClippedSum<Mlp> total = onSpark.clippedGradientSum(df);
    Mlp s2 = total.sum();
    double sparkClippedSumError =
        Math.max(
            Math.max(maxAbs(sum.w1(), s2.w1()), maxAbs(sum.b1(), s2.b1())),
            Math.max(maxAbs(sum.w2(), s2.w2()), maxAbs(sum.b2(), s2.b2())));
    out.printf(
        "   on Spark (%d partitions): norm and dot-with-reference columns %.3g, %.3g;"
            + " clippedGradientSum of the DataFrame (%d rows) %.3g%n",
        df.rdd().getNumPartitions(),
        Main.checked(sparkNormError, TOLERANCE),
        Main.checked(sparkDotError, TOLERANCE * Math.max(1, maxAbsOf(loopDots))),
        total.rows(),
        Main.checked(sparkClippedSumError, TOLERANCE));
    if (total.rows() != b) {
      throw new IllegalStateException(
          "clippedGradientSum counted " + total.rows() + " rows, the DataFrame has " + b);
    }
    return new Result(
        normError,
        clippedSumError,
        rewritten,
        sparkNormError,
        sparkDotError,
        sparkClippedSumError,
        total.rows());
  }

  /** Rows {@code (id, x)} with {@code x} an array of doubles, over three partitions. */
  private static Dataset<Row> dataFrame(SparkSession spark, Tensor xs) {
    int b = xs.shape()[0];
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < b; i++) {
      double[] x = xs.index(0, i).toDoubleArray();
      List<Double> boxed = new ArrayList<>(x.length);
      for (double v : x) {
        boxed.add(v);
      }
      rows.add(RowFactory.create(i, boxed));
    }
    StructType schema =
        new StructType()
            .add("id", DataTypes.IntegerType, false)
            .add("x", DataTypes.createArrayType(DataTypes.DoubleType, false), false);
    return spark.createDataFrame(rows, schema).repartition(3);
  }

  private static double maxAbsOf(double[] values) {
    double m = 0;
    for (double v : values) {
      m = Math.max(m, Math.abs(v));
    }
    return m;
  }

  private static double maxAbs(Tensor a, Tensor b) {
    return a.sub(b).abs().max().item();
  }
}
