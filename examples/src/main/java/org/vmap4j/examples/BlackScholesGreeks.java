package org.vmap4j.examples;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.negate;
import static org.vmap4j.spark.VmapFunctions.vmapUdf;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.vmap4j.Tensor;
import org.vmap4j.spark.Jacobians;
import org.vmap4j.spark.SerializableFunction;

/**
 * A per-row Jacobian on a real formula: Black–Scholes call prices over a DataFrame of options, and
 * their Jacobian with respect to spot, strike, volatility, rate and time, which holds the Greeks
 * (delta, vega, rho, and theta = -dC/dT). The pricing function is written for one option ({@link
 * BlackScholes#price}); {@code vmapUdf} prices every row and {@link Jacobians} differentiates every
 * row, both batched on Spark's tasks. Every row is checked against the closed-form Greeks; the
 * program fails when any differs by more than {@link #TOLERANCE} of its column's scale. Also writes
 * {@code black_scholes_greeks.png}: delta and vega against spot for three expiries.
 *
 * <p>Run: {@code ./mvnw -B -pl examples -am test-compile exec:exec -Dmaven.test.skip=true
 * -Dexample=BlackScholesGreeks}
 */
public final class BlackScholesGreeks {
  private BlackScholesGreeks() {}

  /** The columns the job adds, in the order they are checked. */
  static final List<String> COLUMNS =
      List.of("price", "delta", "dual_delta", "vega", "rho", "theta");

  /**
   * Largest accepted |AD - closed form|, relative to the column's largest |closed form| (its
   * scale): both sides are F64, the normal CDF approximation is good to 1e-15.
   */
  static final double TOLERANCE = 1e-9;

  static final long SEED = 20_261_126L;

  /** The error of one column over all rows. */
  record ColumnError(String column, double scale, double maxAbs, double maxRel) {
    boolean ok() {
      return maxAbs <= TOLERANCE * Math.max(1, scale);
    }
  }

  /** What the job computed, for tests. */
  record Result(List<ColumnError> errors, List<ColumnError> chartErrors, Path chart) {}

  public static void main(String[] args) {
    int rows = args.length > 0 ? Integer.parseInt(args[0]) : 4000;
    SparkSession spark = ExampleSpark.start("vmap4j Black-Scholes Greeks");
    try {
      run(spark, System.out, Charts.folder(), rows);
    } finally {
      spark.stop();
    }
  }

  static Result run(SparkSession spark, PrintStream out, Path chartFolder, int rows) {
    Dataset<Row> options = generatedOptions(spark, rows, SEED);
    out.printf(
        "Black-Scholes call prices and Greeks for %d generated options (seed %d: spot 50-150,"
            + " strike spot*exp(0.25 N(0,1)), volatility 0.1-0.6, rate 0-8%%, 0.05-3 years)%n",
        rows, SEED);
    out.println(
        "   price: vmapUdf(BlackScholes::price), written for one option [spot, strike, vol, rate,"
            + " time]");
    out.println(
        "   Greeks: Jacobians.of(BlackScholes::price), per row [delta, dC/dK, vega, rho, dC/dT];"
            + " theta = -dC/dT");
    List<Row> result = inInputOrder(priceAndGreeks(options).collectAsList());
    out.println("   first rows:");
    out.println(
        "      spot   strike   vol   rate   time      price    delta     vega      rho    theta");
    for (Row r : result.subList(0, Math.min(5, result.size()))) {
      out.printf(
          "   %7.2f  %7.2f  %4.2f  %5.3f  %5.2f  %9.4f  %7.4f  %7.3f  %7.3f  %7.3f%n",
          r.<Double>getAs("spot"),
          r.<Double>getAs("strike"),
          r.<Double>getAs("volatility"),
          r.<Double>getAs("rate"),
          r.<Double>getAs("time"),
          r.<Double>getAs("price"),
          r.<Double>getAs("delta"),
          r.<Double>getAs("vega"),
          r.<Double>getAs("rho"),
          r.<Double>getAs("theta"));
    }
    List<ColumnError> errors = errors(result);
    out.println("   against the closed-form Greeks, every row:");
    out.println("     column        max |closed form|   max abs error   max rel error");
    for (ColumnError e : errors) {
      out.printf("     %-12s  %17.6g   %13.3g   %13.3g%n", e.column, e.scale, e.maxAbs, e.maxRel);
    }
    check(errors);
    out.printf("   check passed: every error within %.0e of its column's scale%n", TOLERANCE);

    // The chart: a sweep over spot at three expiries, through the same Spark transforms.
    double[] times = {0.1, 0.5, 2.0};
    List<Row> sweep = inInputOrder(priceAndGreeks(spotSweep(spark, times)).collectAsList());
    List<ColumnError> chartErrors = errors(sweep);
    check(chartErrors);
    Path chart = Charts.save(chartFolder, "black_scholes_greeks", greekCharts(sweep, times));
    out.printf(
        "   chart of delta and vega against spot (strike 100, vol 0.25, rate 3%%, %d points,"
            + " checked the same way) written to %s%n",
        sweep.size(), chart);
    return new Result(errors, chartErrors, chart);
  }

  /** The rows, after checking that they kept the input's order (the connector promises it). */
  private static List<Row> inInputOrder(List<Row> rows) {
    for (int i = 0; i < rows.size(); i++) {
      if (rows.get(i).<Integer>getAs("id") != i) {
        throw new IllegalStateException("row " + i + " came back as id " + rows.get(i).getAs("id"));
      }
    }
    return rows;
  }

  /** Options drawn from a seeded generator, columns id, spot, strike, volatility, rate, time. */
  static Dataset<Row> generatedOptions(SparkSession spark, int n, long seed) {
    Random random = new Random(seed);
    List<Row> rows = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      double spot = 50 + 100 * random.nextDouble();
      double strike = spot * Math.exp(0.25 * random.nextGaussian());
      double vol = 0.1 + 0.5 * random.nextDouble();
      double rate = 0.08 * random.nextDouble();
      double time = 0.05 + 2.95 * random.nextDouble();
      rows.add(RowFactory.create(i, spot, strike, vol, rate, time));
    }
    return spark.createDataFrame(rows, schema());
  }

  /** Spot from 50 to 150 in steps of 0.5 at each expiry; strike 100, vol 0.25, rate 3%. */
  static Dataset<Row> spotSweep(SparkSession spark, double[] times) {
    List<Row> rows = new ArrayList<>();
    int id = 0;
    for (double time : times) {
      for (int i = 0; i <= 200; i++) {
        rows.add(RowFactory.create(id++, 50 + 0.5 * i, 100.0, 0.25, 0.03, time));
      }
    }
    return spark.createDataFrame(rows, schema());
  }

  private static StructType schema() {
    StructType s = new StructType().add("id", DataTypes.IntegerType, false);
    for (String c : List.of("spot", "strike", "volatility", "rate", "time")) {
      s = s.add(c, DataTypes.DoubleType, false);
    }
    return s;
  }

  /**
   * The options with their price and Greeks appended: the five market columns packed into one
   * {@code option} vector, priced by {@code vmapUdf} and differentiated by {@link Jacobians}, the
   * Jacobian then unpacked into named columns with ordinary Spark expressions.
   */
  static Dataset<Row> priceAndGreeks(Dataset<Row> options) {
    SerializableFunction<Tensor, Tensor> price = BlackScholes::price;
    Dataset<Row> packed =
        options.withColumn(
            "option",
            array(col("spot"), col("strike"), col("volatility"), col("rate"), col("time")));
    Dataset<Row> priced =
        vmapUdf(price)
            .inputColumns("option")
            .shape("option", 5)
            .outputColumns("price")
            .transform(packed);
    Dataset<Row> withJacobian =
        Jacobians.of(price)
            .inputColumn("option")
            .outputColumn("jacobian")
            .configure(u -> u.shape("option", 5))
            .transform(priced);
    return withJacobian
        .withColumn("delta", col("jacobian").getItem(BlackScholes.SPOT))
        .withColumn("dual_delta", col("jacobian").getItem(BlackScholes.STRIKE))
        .withColumn("vega", col("jacobian").getItem(BlackScholes.VOLATILITY))
        .withColumn("rho", col("jacobian").getItem(BlackScholes.RATE))
        .withColumn("theta", negate(col("jacobian").getItem(BlackScholes.TIME)))
        .drop("option", "jacobian");
  }

  /**
   * Per column: the largest |closed form| (scale), the largest absolute error, and the largest
   * relative error over the rows whose |closed form| is at least 1e-6 of the scale (relative errors
   * of values near zero say nothing).
   */
  static List<ColumnError> errors(List<Row> rows) {
    List<ColumnError> errors = new ArrayList<>();
    for (String c : COLUMNS) {
      double[] expected = new double[rows.size()];
      double scale = 0;
      for (int i = 0; i < rows.size(); i++) {
        expected[i] = closedForm(rows.get(i)).get(c);
        scale = Math.max(scale, Math.abs(expected[i]));
      }
      double maxAbs = 0;
      double maxRel = 0;
      for (int i = 0; i < rows.size(); i++) {
        double actual = rows.get(i).<Double>getAs(c);
        double abs = Math.abs(actual - expected[i]);
        if (!(abs <= maxAbs)) {
          maxAbs = abs; // NaN propagates and fails the check
        }
        if (Math.abs(expected[i]) >= 1e-6 * scale) {
          maxRel = Math.max(maxRel, abs / Math.abs(expected[i]));
        }
      }
      errors.add(new ColumnError(c, scale, maxAbs, maxRel));
    }
    return errors;
  }

  static BlackScholes.ClosedForm closedForm(Row r) {
    return BlackScholes.ClosedForm.of(
        r.<Double>getAs("spot"),
        r.<Double>getAs("strike"),
        r.<Double>getAs("volatility"),
        r.<Double>getAs("rate"),
        r.<Double>getAs("time"));
  }

  /** Throws naming the first column whose error is above the tolerance. */
  static void check(List<ColumnError> errors) {
    for (ColumnError e : errors) {
      if (!e.ok()) {
        throw new IllegalStateException(
            String.format(
                "Black-Scholes check failed: %s differs from the closed form by %.3g (tolerance"
                    + " %.1e x scale %.3g)",
                e.column, e.maxAbs, TOLERANCE, e.scale));
      }
    }
  }

  private static List<XYChart> greekCharts(List<Row> sweep, double[] times) {
    XYChart delta = sweepChart("Delta of a call (strike 100)", "delta");
    XYChart vega = sweepChart("Vega of a call (strike 100)", "vega");
    int perTime = sweep.size() / times.length;
    for (int t = 0; t < times.length; t++) {
      List<Double> spots = new ArrayList<>();
      List<Double> deltas = new ArrayList<>();
      List<Double> vegas = new ArrayList<>();
      for (Row r : sweep.subList(t * perTime, (t + 1) * perTime)) {
        spots.add(r.getAs("spot"));
        deltas.add(r.getAs("delta"));
        vegas.add(r.getAs("vega"));
      }
      String name = times[t] + (times[t] == 1 ? " year" : " years");
      delta.addSeries(name, spots, deltas).setMarker(SeriesMarkers.NONE);
      vega.addSeries(name, spots, vegas).setMarker(SeriesMarkers.NONE);
    }
    return List.of(delta, vega);
  }

  private static XYChart sweepChart(String title, String yTitle) {
    XYChart chart =
        new XYChartBuilder()
            .width(600)
            .height(450)
            .title(title)
            .xAxisTitle("spot")
            .yAxisTitle(yTitle)
            .build();
    chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
    chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
    chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
    return chart;
  }
}
