package org.vmap4j.examples;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.vmap4j.spark.VmapFunctions.vmapUdf;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF5;
import org.apache.spark.sql.types.DataTypes;
import org.vmap4j.DType;
import org.vmap4j.Func;
import org.vmap4j.Tensor;
import org.vmap4j.spark.Jacobians;
import org.vmap4j.spark.SerializableFunction;

/**
 * A per-row iterative solver on Spark: the Black–Scholes implied volatility of every option row by
 * Newton's method in a {@code whileLoop}, written for one option and batched by {@code vmapUdf}
 * (rows that converge early keep their answer while the others iterate). Its sensitivities come
 * from the implicit function theorem through a {@code customVjp} rule, not from the iterations
 * (which reverse mode cannot go through): with price(σ) = quote, dσ/dquote = 1 / vega and dσ/dx =
 * -(dprice/dx) / vega for the market inputs x. Checked on every row against a plain Java bisection
 * of the closed-form price, and the implied vega (1 / (dσ/dquote)) against the closed-form vega.
 *
 * <p>Run: {@code ./mvnw -B -pl examples -am compile exec:exec -Dexample=ImpliedVolatility}
 */
public final class ImpliedVolatility {
  private ImpliedVolatility() {}

  /** Largest accepted |Newton - bisection| on σ, for rows where σ is well determined. */
  static final double SIGMA_TOLERANCE = 1e-8;

  /** Largest accepted relative error of the implied vega against the closed form. */
  static final double VEGA_TOLERANCE = 1e-6;

  /**
   * Rows whose vega is below this (deep out of the money, near expiry) have prices that barely
   * depend on σ, so σ itself is ill-determined: they are solved but not checked, and counted.
   */
  static final double MIN_VEGA = 1e-3;

  static final int QUOTE = 0;

  /** What the job found, for tests. */
  record Result(int rows, int checked, double maxSigmaError, double maxVegaError) {}

  public static void main(String[] args) {
    int rows = args.length > 0 ? Integer.parseInt(args[0]) : 4000;
    SparkSession spark = ExampleSpark.start("vmap4j implied volatility");
    try {
      run(spark, System.out, rows);
    } finally {
      spark.stop();
    }
  }

  /** The option [spot, strike, σ, rate, time] of a quote [price, spot, strike, rate, time]. */
  static Tensor option(Tensor quote, Tensor sigma) {
    return Tensor.concat(0, quote.slice(0, 1, 3), sigma.reshape(1), quote.slice(0, 3, 5));
  }

  /**
   * Newton's method on price(σ) - quote = 0 for one quote {@code [price, spot, strike, rate,
   * time]}, from the inflection point σ0 = sqrt(2 |ln(S / (K e^{-rT}))| / T) of the price in σ
   * (from there Newton's iterates approach the root monotonically), until a step is below 1e-14 or
   * after 100 steps.
   */
  static Tensor solve(Tensor quote) {
    Tensor spot = quote.index(0, 1);
    Tensor strike = quote.index(0, 2);
    Tensor rate = quote.index(0, 3);
    Tensor time = quote.index(0, 4);
    Tensor moneyness = spot.div(strike).log().add(rate.mul(time)).abs();
    Tensor start = moneyness.mul(2).div(time).sqrt().maximum(0.05);
    Function<Tensor, Tensor> priceAt = s -> BlackScholes.price(option(quote, s));
    Function<Tensor, Tensor> vegaAt = s -> Func.grad(priceAt).apply(s);
    List<Tensor> result =
        Func.whileLoop(
            (List<Tensor> s) ->
                Tensor.where(
                    s.get(2).lt(100),
                    s.get(1).abs().gt(1e-14),
                    Tensor.of(new boolean[] {false}).reshape()),
            (List<Tensor> s) -> {
              Tensor sigma = s.get(0);
              Tensor step =
                  priceAt.apply(sigma).sub(quote.index(0, QUOTE)).div(vegaAt.apply(sigma));
              Tensor next = sigma.sub(step).maximum(1e-6).minimum(10.0);
              return List.of(next, next.sub(sigma), s.get(2).add(Tensor.scalar(DType.I32, 1)));
            },
            List.of(start, Tensor.scalar(DType.F64, 1), Tensor.scalar(DType.I32, 0)));
    return result.get(0);
  }

  /**
   * The implicit function theorem: the cotangent of the quote given σ's cotangent g is g times [1,
   * -delta, -dC/dK, -rho, -dC/dT] / vega, all at the solved σ.
   */
  static Tensor implicitVjp(Tensor quote, Tensor sigma, Tensor g) {
    Tensor greeks = Func.grad(BlackScholes::price).apply(option(quote, sigma));
    Tensor vega = greeks.index(0, BlackScholes.VOLATILITY);
    Tensor market =
        Tensor.concat(
            0,
            greeks.slice(0, BlackScholes.SPOT, BlackScholes.STRIKE + 1),
            greeks.slice(0, BlackScholes.RATE, BlackScholes.TIME + 1));
    Tensor perUnit = Tensor.concat(0, Tensor.ones(DType.F64, 1), market.neg()).div(vega);
    return perUnit.mul(g);
  }

  /** σ of one quote, with its derivative by the implicit function theorem. */
  static Tensor impliedVolatility(Tensor quote) {
    return Func.customVjp(ImpliedVolatility::solve, ImpliedVolatility::implicitVjp).apply(quote);
  }

  /** The reference: bisection of the closed-form price on [1e-6, 10], 200 halvings. */
  static double bisection(double price, double spot, double strike, double rate, double time) {
    double lo = 1e-6;
    double hi = 10;
    for (int i = 0; i < 200; i++) {
      double mid = 0.5 * (lo + hi);
      if (BlackScholes.ClosedForm.of(spot, strike, mid, rate, time).price() < price) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return 0.5 * (lo + hi);
  }

  static Result run(SparkSession spark, PrintStream out, int rows) {
    Dataset<Row> options =
        BlackScholesGreeks.generatedOptions(spark, rows, BlackScholesGreeks.SEED);
    // The market quote: the closed-form price at the generating volatility, in plain Java.
    spark
        .udf()
        .register(
            "closed_form_price",
            (UDF5<Double, Double, Double, Double, Double, Double>)
                (s, k, v, r, t) -> BlackScholes.ClosedForm.of(s, k, v, r, t).price(),
            DataTypes.DoubleType);
    Dataset<Row> quotes =
        options
            .withColumn(
                "price",
                org.apache.spark.sql.functions.callUDF(
                    "closed_form_price",
                    col("spot"),
                    col("strike"),
                    col("volatility"),
                    col("rate"),
                    col("time")))
            .withColumn(
                "quote", array(col("price"), col("spot"), col("strike"), col("rate"), col("time")));
    SerializableFunction<Tensor, Tensor> iv = ImpliedVolatility::impliedVolatility;
    Dataset<Row> solved =
        vmapUdf(iv)
            .inputColumns("quote")
            .shape("quote", 5)
            .outputColumns("implied_vol")
            .transform(quotes);
    Dataset<Row> withSensitivities =
        Jacobians.of(iv)
            .inputColumn("quote")
            .outputColumn("sensitivities")
            .configure(u -> u.shape("quote", 5))
            .transform(solved)
            .withColumn("dvol_dprice", col("sensitivities").getItem(QUOTE));
    out.printf(
        "Implied volatility of %d generated options (the Black-Scholes example's data, priced at"
            + " their generating volatility)%n",
        rows);
    out.println(
        "   Newton's method in a whileLoop, written for one quote [price, spot, strike, rate,"
            + " time], batched by vmapUdf");
    out.println(
        "   sensitivities by Jacobians.of(...) (reverse mode) through a customVjp rule: the"
            + " implicit function theorem");
    List<Row> result = withSensitivities.orderBy("id").collectAsList();
    int checked = 0;
    double maxSigma = 0;
    double maxVega = 0;
    List<String> failures = new ArrayList<>();
    for (Row r : result) {
      double spot = r.getAs("spot");
      double strike = r.getAs("strike");
      double rate = r.getAs("rate");
      double time = r.getAs("time");
      double price = r.getAs("price");
      double sigma = r.getAs("implied_vol");
      double reference = bisection(price, spot, strike, rate, time);
      double vega = BlackScholes.ClosedForm.of(spot, strike, reference, rate, time).vega();
      if (vega < MIN_VEGA) {
        continue;
      }
      checked++;
      double sigmaError = Math.abs(sigma - reference);
      double impliedVega = 1 / r.<Double>getAs("dvol_dprice");
      double vegaError = Math.abs(impliedVega - vega) / vega;
      maxSigma = Math.max(maxSigma, sigmaError);
      maxVega = Math.max(maxVega, vegaError);
      if (sigmaError > SIGMA_TOLERANCE || vegaError > VEGA_TOLERANCE) {
        failures.add(
            String.format(
                "row %d: sigma %.12g vs bisection %.12g; vega %.8g vs closed form %.8g",
                r.<Integer>getAs("id"), sigma, reference, impliedVega, vega));
      }
    }
    out.printf(
        "   checked %d rows (%d with vega < %.0e left unchecked: sigma is ill-determined there)%n",
        checked, result.size() - checked, MIN_VEGA);
    out.printf(
        "   max |Newton - bisection| %.3g; max relative error of 1/(dsigma/dprice) against the"
            + " closed-form vega %.3g%n",
        maxSigma, maxVega);
    if (!failures.isEmpty()) {
      throw new IllegalStateException(
          "implied volatility check failed on "
              + failures.size()
              + " rows, e.g. "
              + failures.get(0));
    }
    out.printf(
        "   check passed: sigma within %.0e of bisection, vega within %.0e relative%n",
        SIGMA_TOLERANCE, VEGA_TOLERANCE);
    return new Result(result.size(), checked, maxSigma, maxVega);
  }
}
