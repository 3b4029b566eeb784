package org.vmap4j.examples;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.vmap4j.Func.customVjp;
import static org.vmap4j.Func.grad;
import static org.vmap4j.Func.jacrev;
import static org.vmap4j.Func.jit;
import static org.vmap4j.Func.vmap;
import static org.vmap4j.Func.whileLoop;
import static org.vmap4j.spark.VmapFunctions.vmapUdf;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.vmap4j.DType;
import org.vmap4j.Tensor;
import org.vmap4j.spark.SerializableFunction;

/**
 * Implied volatility per option by Newton's method inside {@code Func.whileLoop}, written for one
 * option and batched by {@code vmap}, with its derivatives by implicit differentiation: a {@code
 * customVjp} rule applies the implicit function theorem at the root instead of differentiating the
 * iterations (reverse mode through a {@code whileLoop} does not exist). The options are the
 * Black–Scholes example's generated data, priced by the closed form; the program solves for their
 * volatility, first with core's {@code vmap}, then on Spark inside a {@code vmapUdf}, and checks
 * every row against a plain Java bisection on the closed-form price, vega ({@code 1 / (dσ/dC)})
 * against the closed-form vega, and the whole gradient of a few rows against central differences of
 * the bisection. It fails when a check does.
 *
 * <p>Run: {@code ./mvnw -B -pl examples -am test-compile exec:exec -Dmaven.test.skip=true
 * -Dexample=ImpliedVolatility}
 */
public final class ImpliedVolatility {
  private ImpliedVolatility() {}

  /**
   * A quote is {@code [price, spot, strike, rate, time]}: the market price of a call and the rest.
   */
  static final int PRICE = 0;

  /**
   * Newton stops when |model price - market price| is below this times the spot (about the rounding
   * of a price computed from a spot of that size)...
   */
  static final double PRICE_TOLERANCE = 1e-13;

  /** ...or after this many turns (an option whose price hardly depends on volatility). */
  static final int MAX_TURNS = 60;

  /**
   * Accepted |Newton - bisection| for a row: 1e-9, plus what a price error of 1e-12 x spot (the two
   * CDFs' and the rounding's share) moves the root by, 1e-12 x spot / vega: implied volatility is
   * ill-determined where the price hardly depends on it.
   */
  static double volatilityTolerance(double spot, double vega) {
    return 1e-9 + 1e-12 * spot / vega;
  }

  /** Rows whose vega is at least this have a well-determined implied volatility. */
  static final double WELL_DETERMINED_VEGA = 0.01;

  /** Relative tolerance of vega and of the gradient against the closed form. */
  static final double VEGA_TOLERANCE = 1e-7;

  /** Central differences of the bisection, step 1e-5 relative: good to about 1e-8 here. */
  static final double FINITE_DIFFERENCE_TOLERANCE = 1e-5;

  /** The option vector {@code [spot, strike, vol, rate, time]} of a quote and a volatility. */
  private static Tensor option(Tensor quote, Tensor vol) {
    return Tensor.stack(
        0, quote.index(0, 1), quote.index(0, 2), vol, quote.index(0, 3), quote.index(0, 4));
  }

  /**
   * Newton's method for {@code price(vol) = market price}, one quote {@code [5]} to a 0-d
   * volatility. It starts at Manaster and Koehler's {@code sqrt(2 |ln(S/K) + rT| / T)}, the
   * inflection point of the price in volatility, from where Newton converges monotonically. The
   * slope Newton divides by (vega) is {@code grad} of the same pricing function: one formula.
   */
  static Tensor newton(Tensor quote) {
    Tensor spot = quote.index(0, 1);
    Tensor strike = quote.index(0, 2);
    Tensor rate = quote.index(0, 3);
    Tensor time = quote.index(0, 4);
    Tensor market = quote.index(0, PRICE);
    Tensor moneyness = spot.div(strike).log().add(rate.mul(time));
    Tensor start = moneyness.abs().mul(2).div(time).sqrt().maximum(0.01);
    Tensor tolerance = spot.mul(PRICE_TOLERANCE);
    Function<Tensor, Tensor> residual = vol -> BlackScholes.price(option(quote, vol)).sub(market);
    Function<Tensor, Tensor> vega = grad((Tensor vol) -> BlackScholes.price(option(quote, vol)));
    // carry: [vol, turns taken, residual at vol]
    List<Tensor> solved =
        whileLoop(
            carry -> {
              Tensor far = carry.get(2).abs().gt(tolerance);
              Tensor turnsLeft = carry.get(1).lt(MAX_TURNS);
              return Tensor.where(far, turnsLeft, far); // far and turns left
            },
            carry -> {
              Tensor vol = carry.get(0);
              Tensor next = vol.sub(carry.get(2).div(vega.apply(vol)));
              return List.of(next, carry.get(1).add(1), residual.apply(next));
            },
            List.of(start, Tensor.scalar(DType.F64, 0), residual.apply(start)));
    return solved.get(0);
  }

  /**
   * The implied volatility of one quote, with its reverse-mode derivative from the implicit
   * function theorem: at the root of {@code r(vol, quote) = price(vol, ...) - market}, {@code d vol
   * / d quote = -(dr/d quote) / (dr/d vol)}, where {@code dr/d vol} is vega and {@code dr/d quote}
   * is {@code [-1, delta, dC/dK, rho, dC/dT]}: one {@code jacrev} of the price at the root.
   */
  static final Function<Tensor, Tensor> IMPLIED_VOLATILITY =
      customVjp(
          ImpliedVolatility::newton,
          (quote, vol, g) -> {
            Tensor j = jacrev(BlackScholes::price).apply(option(quote, vol));
            Tensor vega = j.index(0, BlackScholes.VOLATILITY);
            Tensor dResidual =
                Tensor.stack(
                    0,
                    Tensor.scalar(DType.F64, -1),
                    j.index(0, BlackScholes.SPOT),
                    j.index(0, BlackScholes.STRIKE),
                    j.index(0, BlackScholes.RATE),
                    j.index(0, BlackScholes.TIME));
            return dResidual.div(vega).neg().mul(g);
          });

  /** One quote to [implied volatility, its gradient [5]], for the UDF and core alike. */
  static List<Tensor> volatilityAndGradient(Tensor quote) {
    return List.of(IMPLIED_VOLATILITY.apply(quote), grad(IMPLIED_VOLATILITY).apply(quote));
  }

  /** Plain Java: bisection on the closed-form price over [1e-6, 5], to the last bit. */
  static double bisection(double price, double spot, double strike, double rate, double time) {
    double lo = 1e-6;
    double hi = 5;
    for (int i = 0; i < 200 && hi - lo > 0; i++) {
      double mid = 0.5 * (lo + hi);
      if (mid == lo || mid == hi) {
        break;
      }
      if (BlackScholes.ClosedForm.of(spot, strike, mid, rate, time).price() < price) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return 0.5 * (lo + hi);
  }

  /** The quotes as doubles {@code [n][5]}: market prices from the closed form at the true vol. */
  record Quotes(double[][] quotes, double[] trueVol) {
    static Quotes generated(int n, long seed) {
      java.util.Random random = new java.util.Random(seed);
      double[][] q = new double[n][];
      double[] vol = new double[n];
      for (int i = 0; i < n; i++) {
        // the same draws, in the same order, as BlackScholesGreeks.generatedOptions
        double spot = 50 + 100 * random.nextDouble();
        double strike = spot * Math.exp(0.25 * random.nextGaussian());
        vol[i] = 0.1 + 0.5 * random.nextDouble();
        double rate = 0.08 * random.nextDouble();
        double time = 0.05 + 2.95 * random.nextDouble();
        double price = BlackScholes.ClosedForm.of(spot, strike, vol[i], rate, time).price();
        q[i] = new double[] {price, spot, strike, rate, time};
      }
      return new Quotes(q, vol);
    }

    Tensor tensor() {
      double[] flat = new double[quotes.length * 5];
      for (int i = 0; i < quotes.length; i++) {
        System.arraycopy(quotes[i], 0, flat, 5 * i, 5);
      }
      return Tensor.of(flat, quotes.length, 5);
    }
  }

  /** What the program computed, for tests: the checks' largest errors. */
  record Result(
      int rows,
      double maxVolError,
      double maxVolErrorOverTolerance,
      double maxTrueVolError,
      double maxVegaRelError,
      double maxSparkDiff,
      double maxFiniteDifferenceError,
      int rowsAboveOneE9) {}

  public static void main(String[] args) {
    int rows = args.length > 0 ? Integer.parseInt(args[0]) : 4000;
    SparkSession spark = ExampleSpark.start("vmap4j implied volatility");
    try {
      run(spark, System.out, rows);
    } finally {
      spark.stop();
    }
  }

  static Result run(SparkSession spark, PrintStream out, int rows) {
    Quotes quotes = Quotes.generated(rows, BlackScholesGreeks.SEED);
    out.printf(
        "Implied volatility of %d call prices (the Black-Scholes example's options, priced by the"
            + " closed form) by Newton's method in Func.whileLoop%n",
        rows);

    // Core: vmap over the quotes, vol and its gradient (implicit differentiation) in one call.
    long start = System.nanoTime();
    List<Tensor> core = jit(vmap(ImpliedVolatility::volatilityAndGradient)).apply(quotes.tensor());
    double coreSeconds = (System.nanoTime() - start) / 1e9;
    double[] vol = core.get(0).toDoubleArray();
    double[] gradient = core.get(1).toDoubleArray();
    out.printf(
        "   core: jit(vmap(quote -> [impliedVol(quote), grad(impliedVol)(quote)])) on [%d, 5], %.2f s%n",
        rows, coreSeconds);

    // Spark: the same function in a vmapUdf over a DataFrame of the quotes.
    SerializableFunction<Tensor, List<Tensor>> udf = ImpliedVolatility::volatilityAndGradient;
    Dataset<Row> frame = quoteFrame(spark, quotes);
    start = System.nanoTime();
    List<Row> collected =
        vmapUdf(udf)
            .inputColumns("quote")
            .shape("quote", 5)
            .outputColumns("implied_vol", "vol_gradient")
            .transform(
                frame.withColumn(
                    "quote",
                    array(col("price"), col("spot"), col("strike"), col("rate"), col("time"))))
            .select("id", "implied_vol", "vol_gradient")
            .orderBy("id")
            .collectAsList();
    double sparkSeconds = (System.nanoTime() - start) / 1e9;
    double maxSparkDiff = 0;
    for (int i = 0; i < rows; i++) {
      Row r = collected.get(i);
      maxSparkDiff = Math.max(maxSparkDiff, Math.abs(r.getDouble(1) - vol[i]));
      List<Double> g = r.getList(2);
      for (int k = 0; k < 5; k++) {
        maxSparkDiff = Math.max(maxSparkDiff, Math.abs(g.get(k) - gradient[5 * i + k]));
      }
    }
    out.printf(
        "   Spark %s: vmapUdf(same function).inputColumns(\"quote\"), %d rows in %.2f s (tracing"
            + " and compiling included); against core, max abs difference %.3g%n",
        spark.version(), rows, sparkSeconds, maxSparkDiff);

    // Checks against plain Java: bisection per row, closed-form vega, finite differences.
    double maxVolError = 0;
    double maxOverTolerance = 0;
    double maxTrueVolError = 0;
    double maxVegaRel = 0;
    int aboveOneE9 = 0;
    int wellDetermined = 0;
    double maxWellDetermined = 0;
    for (int i = 0; i < rows; i++) {
      double[] q = quotes.quotes()[i];
      double bisected = bisection(q[0], q[1], q[2], q[3], q[4]);
      double vega = BlackScholes.ClosedForm.of(q[1], q[2], bisected, q[3], q[4]).vega();
      double vegaAtRoot = BlackScholes.ClosedForm.of(q[1], q[2], vol[i], q[3], q[4]).vega();
      double error = Math.abs(vol[i] - bisected);
      maxVolError = nanMax(maxVolError, error);
      maxOverTolerance = nanMax(maxOverTolerance, error / volatilityTolerance(q[1], vega));
      maxTrueVolError = nanMax(maxTrueVolError, Math.abs(vol[i] - quotes.trueVol()[i]));
      aboveOneE9 += error > 1e-9 ? 1 : 0;
      if (vega >= WELL_DETERMINED_VEGA) {
        wellDetermined++;
        maxWellDetermined = nanMax(maxWellDetermined, error);
      }
      double vegaByRule = 1 / gradient[5 * i + PRICE];
      maxVegaRel = nanMax(maxVegaRel, Math.abs(vegaByRule - vegaAtRoot) / vegaAtRoot);
    }
    out.printf(
        "   against a plain Java bisection on every row: max |Newton - bisection| %.3g (%d rows"
            + " above 1e-9, all within 1e-9 + 1e-12 spot / vega: worst at %.2f of it); max |Newton"
            + " - the volatility that priced the row| %.3g%n",
        maxVolError, aboveOneE9, maxOverTolerance, maxTrueVolError);
    out.printf(
        "   on the %d rows with vega >= %.2f (where a volatility error of 1e-9 moves the price by"
            + " 1e-11 or more): max |Newton - bisection| %.3g%n",
        wellDetermined, WELL_DETERMINED_VEGA, maxWellDetermined);
    out.printf(
        "   vega = 1 / (d vol / d price) from the custom rule against the closed-form vega at"
            + " Newton's volatility: max relative error %.3g%n",
        maxVegaRel);
    double maxFd = 0;
    int[] checked = {0, rows / 2, rows - 1};
    for (int i : checked) {
      double[] q = quotes.quotes()[i];
      for (int k = 0; k < 5; k++) {
        double h = 1e-5 * Math.max(1, Math.abs(q[k]));
        double[] up = q.clone();
        double[] down = q.clone();
        up[k] += h;
        down[k] -= h;
        double fd =
            (bisection(up[0], up[1], up[2], up[3], up[4])
                    - bisection(down[0], down[1], down[2], down[3], down[4]))
                / (2 * h);
        double scale = Math.max(1, Math.abs(fd));
        maxFd = nanMax(maxFd, Math.abs(gradient[5 * i + k] - fd) / scale);
      }
    }
    out.printf(
        "   gradient [d/d price, spot, strike, rate, time] of rows %s against central differences"
            + " of the bisection: max error %.3g (relative where above 1)%n",
        java.util.Arrays.toString(checked), maxFd);
    out.println("   first rows:    price     spot   strike   rate   time   implied vol   vega");
    for (int i = 0; i < Math.min(4, rows); i++) {
      double[] q = quotes.quotes()[i];
      out.printf(
          "             %9.4f  %7.2f  %7.2f  %5.3f  %5.2f   %11.8f  %7.3f%n",
          q[0], q[1], q[2], q[3], q[4], vol[i], 1 / gradient[5 * i]);
    }
    check("Spark against core", maxSparkDiff, 1e-12);
    check("Newton against bisection (as a share of each row's tolerance)", maxOverTolerance, 1);
    check("vega against the closed form (relative)", maxVegaRel, VEGA_TOLERANCE);
    check("gradient against finite differences", maxFd, FINITE_DIFFERENCE_TOLERANCE);
    out.println("   checks passed");
    return new Result(
        rows,
        maxVolError,
        maxOverTolerance,
        maxTrueVolError,
        maxVegaRel,
        maxSparkDiff,
        maxFd,
        aboveOneE9);
  }

  /** Columns id, price, spot, strike, rate, time. */
  static Dataset<Row> quoteFrame(SparkSession spark, Quotes quotes) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < quotes.quotes().length; i++) {
      double[] q = quotes.quotes()[i];
      rows.add(org.apache.spark.sql.RowFactory.create(i, q[0], q[1], q[2], q[3], q[4]));
    }
    org.apache.spark.sql.types.StructType schema =
        new org.apache.spark.sql.types.StructType()
            .add("id", org.apache.spark.sql.types.DataTypes.IntegerType, false);
    for (String c : List.of("price", "spot", "strike", "rate", "time")) {
      schema = schema.add(c, org.apache.spark.sql.types.DataTypes.DoubleType, false);
    }
    return spark.createDataFrame(rows, schema);
  }

  private static double nanMax(double max, double value) {
    return value <= max ? max : value; // a NaN value wins and fails the check
  }

  static void check(String what, double value, double tolerance) {
    if (!(value <= tolerance)) {
      throw new IllegalStateException(
          String.format(
              "implied volatility check failed: %s is %.3g (tolerance %.1e)",
              what, value, tolerance));
    }
  }
}
