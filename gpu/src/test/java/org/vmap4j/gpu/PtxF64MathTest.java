package org.vmap4j.gpu;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.BinaryOperator;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.vmap4j.Func;
import org.vmap4j.Tensor;
import org.vmap4j.compiler.ProgramCompiler;
import org.vmap4j.cpu.CpuTensor;

/**
 * Accuracy of the software transcendentals ({@code ptx.PtxF64Math}): each function's generated
 * kernel runs in {@link PtxInterpreter} over special values, a dense sweep of its interesting range
 * and random values across the whole exponent range, and is compared with {@link StrictMath} (f32:
 * with StrictMath in double rounded to float, which is what the CPU computes). Special values (NaN,
 * ±inf, ±0) must match exactly; finite values within a bound in ulps of the reference. The maximum
 * ulp error of each function is printed (and recorded in docs/gpu.md).
 */
class PtxF64MathTest {
  private static final double[] SPECIAL = {
    Double.NaN,
    0.0,
    -0.0,
    Double.POSITIVE_INFINITY,
    Double.NEGATIVE_INFINITY,
    Double.MIN_VALUE,
    -Double.MIN_VALUE,
    Double.MIN_NORMAL,
    -Double.MIN_NORMAL,
    Double.MAX_VALUE,
    -Double.MAX_VALUE,
    1,
    -1,
    0.5,
    -0.5,
    2,
    -2,
    0x1p-60,
    -0x1p-60,
    0x1p-27,
    -0x1p-27,
    0x1p-54,
    0x1.0000000000001p-54,
    Math.nextDown(1.0),
    Math.nextUp(1.0),
    Math.nextUp(-1.0),
    Math.nextDown(-1.0),
    Math.PI,
    -Math.PI,
    Math.PI / 2,
    Math.PI / 4,
    40,
    -40,
    Math.log(Double.MAX_VALUE),
    Math.nextUp(Math.log(Double.MAX_VALUE)),
    -745.1332191019411,
    -745.1332191019412,
    -708.3964185322641,
    709.78,
    710,
    -746,
    22,
    -22,
  };

  @Test
  void exp() {
    unary("exp", Tensor::exp, StrictMath::exp, sample(-746, 710), 1);
  }

  @Test
  void expm1() {
    double[] x = sample(-50, 710);
    unary("expm1", Tensor::expm1, StrictMath::expm1, concat(x, sweep(-1e-3, 1e-3, 4000)), 1);
  }

  @Test
  void log() {
    double[] near1 = sweep(0.9, 1.1, 4000);
    unary("log", Tensor::log, StrictMath::log, concat(sample(0, 1e10), near1), 1);
  }

  @Test
  void log1p() {
    double[] x = sample(-1, 100);
    unary("log1p", Tensor::log1p, StrictMath::log1p, concat(x, sweep(-1e-3, 1e-3, 4000)), 1);
  }

  @Test
  void sinAndCosUpToTheReductionBound() {
    double[] x = concat(sample(-10, 10), sweep(-1.6e6, 1.6e6, 6000));
    unary("sin", Tensor::sin, StrictMath::sin, x, 2);
    unary("cos", Tensor::cos, StrictMath::cos, x, 2);
  }

  /**
   * The hardest arguments for the reduction: the doubles nearest to k·π/2 (and their neighbours)
   * for k up to 2^20, where sin or cos is tiny and all its digits come from the reduction.
   */
  @Test
  void sinAndCosNearMultiplesOfHalfPi() {
    java.math.BigDecimal halfPi =
        new java.math.BigDecimal(
                "3.14159265358979323846264338327950288419716939937510582097494459230781640")
            .divide(java.math.BigDecimal.valueOf(2));
    Random r = new Random(17);
    List<Double> x = new ArrayList<>();
    for (int i = 0; i < 1500; i++) {
      long k = i < 200 ? i + 1 : 1 + r.nextInt((1 << 20) - 2);
      double nearest = halfPi.multiply(java.math.BigDecimal.valueOf(k)).doubleValue();
      for (double v : new double[] {nearest, Math.nextUp(nearest), Math.nextDown(nearest)}) {
        x.add(v);
        x.add(-v);
      }
    }
    double[] xs = x.stream().mapToDouble(Double::doubleValue).toArray();
    unary("sin near kπ/2", Tensor::sin, StrictMath::sin, xs, 2);
    unary("cos near kπ/2", Tensor::cos, StrictMath::cos, xs, 2);
  }

  /**
   * The documented behaviour beyond |x| = 1.6e6: absolute error at most 2^-52 + |x|·2^-80 up to
   * 2^50, and for every finite x a number in [-1, 1].
   */
  @Test
  void sinAndCosBeyondTheReductionBound() {
    Random r = new Random(3);
    double[] x = new double[3000];
    for (int i = 0; i < x.length; i++) {
      x[i] = (r.nextBoolean() ? 1 : -1) * Math.scalb(1 + r.nextDouble(), 21 + r.nextInt(1003));
    }
    for (boolean cos : new boolean[] {false, true}) {
      double[] got = run(cos ? Tensor::cos : Tensor::sin, x);
      double worst = 0;
      double worstAbsolute = 0;
      for (int i = 0; i < x.length; i++) {
        assertThat(got[i]).as("x=%s", x[i]).isBetween(-1.0, 1.0);
        if (Math.abs(x[i]) < 0x1p50) {
          double want = cos ? StrictMath.cos(x[i]) : StrictMath.sin(x[i]);
          double error = Math.abs(got[i] - want);
          double bound = 0x1p-52 + Math.abs(x[i]) * 0x1p-80;
          worst = Math.max(worst, error / bound);
          worstAbsolute = Math.max(worstAbsolute, error);
          assertThat(error).as("x=%s", x[i]).isLessThanOrEqualTo(bound);
        }
      }
      System.out.printf(
          "%s f64 beyond 1.6e6: max |error| %.3g below 2^50 (at most %.3f of 2^-52 + |x|·2^-80);"
              + " in [-1, 1] everywhere%n",
          cos ? "cos" : "sin", worstAbsolute, worst);
    }
  }

  @Test
  void tanh() {
    unary("tanh", Tensor::tanh, StrictMath::tanh, concat(sample(-30, 30), sweep(-1, 1, 4000)), 3);
  }

  @Test
  void logistic() {
    // the CPU's formula, evaluated with StrictMath
    unary("logistic", Tensor::sigmoid, x -> 1 / (1 + StrictMath.exp(-x)), sample(-750, 750), 2);
  }

  /**
   * erf against the CPU's {@code ErrorFunction.erf} (itself within 2 ulp of 200-bit references,
   * core's ErfTest), not StrictMath, which has none: both sides of every center boundary (1 + (i +
   * 1/2)/8), the ends of the ranges (1, 6) and a dense sweep of -7..7.
   */
  @Test
  void erf() {
    double[] boundaries = new double[3 * 42];
    for (int i = 0; i < 42; i++) {
      double b = 1 + (i - 0.5) / 8;
      boundaries[3 * i] = b;
      boundaries[3 * i + 1] = Math.nextDown(b);
      boundaries[3 * i + 2] = -Math.nextUp(b);
    }
    double[] x = concat(concat(sample(-7, 7), sweep(-1.01, 1.01, 2000)), boundaries);
    unary("erf", Tensor::erf, org.vmap4j.prim.ErrorFunction::erf, x, 2);
  }

  @Test
  void powSpecialCasesAndIntegerPowersAreExact() {
    double[] xs = {
      Double.NaN,
      0.0,
      -0.0,
      Double.POSITIVE_INFINITY,
      Double.NEGATIVE_INFINITY,
      1,
      -1,
      0.5,
      -0.5,
      2,
      -2,
      3,
      -3,
      1.5,
      -1.5,
      Double.MIN_VALUE,
      -Double.MIN_VALUE,
      Double.MAX_VALUE,
      10,
      -10,
      7
    };
    double[] ys = {
      Double.NaN,
      0.0,
      -0.0,
      Double.POSITIVE_INFINITY,
      Double.NEGATIVE_INFINITY,
      1,
      -1,
      2,
      -2,
      3,
      -3,
      0.5,
      -0.5,
      1.5,
      0x1p53,
      0x1p53 + 2,
      0x1p52 + 1,
      -(0x1p52 + 1),
      1e300,
      -1e300,
      22,
      15,
      -15
    };
    // {x, y, 1 if Math.pow's result must be exact}: special cases and exact integer powers
    List<double[]> pairs = new ArrayList<>();
    for (double x : xs) {
      for (double y : ys) {
        pairs.add(new double[] {x, y, 0});
      }
    }
    for (int e = -1074; e <= 1024; e++) {
      pairs.add(new double[] {2, e, 1});
      pairs.add(new double[] {-2, e, 1});
    }
    for (int e = 0; e <= 33; e++) {
      pairs.add(new double[] {3, e, 1});
      pairs.add(new double[] {-3, e, 1});
    }
    for (int e = 0; e <= 22; e++) {
      pairs.add(new double[] {10, e, 1});
      pairs.add(new double[] {-10, e, 1});
    }
    double[] x = pairs.stream().mapToDouble(p -> p[0]).toArray();
    double[] y = pairs.stream().mapToDouble(p -> p[1]).toArray();
    double[] got = run(Tensor::pow, x, y);
    List<String> wrong = new ArrayList<>();
    double worst = 0;
    for (int i = 0; i < x.length; i++) {
      double want = StrictMath.pow(x[i], y[i]);
      boolean exact =
          pairs.get(i)[2] == 1 || Double.isNaN(want) || Double.isInfinite(want) || want == 0;
      if (exact && Double.doubleToLongBits(got[i]) != Double.doubleToLongBits(want)) {
        wrong.add("pow(" + x[i] + ", " + y[i] + ") = " + got[i] + ", want " + want);
      } else if (!exact) {
        worst = Math.max(worst, Math.abs(got[i] - want) / Math.ulp(want));
      }
    }
    System.out.printf(
        "pow f64: special cases and exact integer powers exact over %d pairs, others max %.3f"
            + " ulp%n",
        x.length, worst);
    assertThat(wrong).isEmpty();
    assertThat(worst).isLessThanOrEqualTo(1);
  }

  @Test
  void pow() {
    Random r = new Random(11);
    int n = 12000;
    double[] x = new double[n];
    double[] y = new double[n];
    for (int i = 0; i < n; i++) {
      // x across all exponents (a third negative with an integer y), y such that the result
      // spans the whole range from underflow to overflow
      x[i] = anyDouble(r);
      double log2x = Math.log(Math.abs(x[i])) / Math.log(2);
      y[i] = (-1080 + 2110 * r.nextDouble()) / (log2x == 0 ? 1 : log2x);
      if (i % 3 == 0) {
        x[i] = -x[i];
        y[i] = Math.rint(y[i]);
      } else if (i % 3 == 1) {
        x[i] = 0.5 + 1.5 * r.nextDouble();
        y[i] = -50 + 100 * r.nextDouble();
      }
    }
    binary("pow", Tensor::pow, StrictMath::pow, x, y, 1);
  }

  @Test
  void f32FunctionsThroughF64AreWithinAnUlpOfTheRoundedDouble() {
    float[] x = new float[6000];
    Random r = new Random(5);
    for (int i = 0; i < x.length; i++) {
      x[i] =
          i < 2000
              ? (float) (0.9 + 0.2 * i / 2000)
              : (r.nextBoolean() ? 1 : -1) * Math.scalb(1 + r.nextFloat(), r.nextInt(-149, 128));
    }
    float[] y = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      y[i] = (float) (-30 + 60 * r.nextDouble());
      x[i] = i % 2 == 0 ? Math.abs(x[i]) : x[i];
    }
    f32("log", Tensor::log, StrictMath::log, x);
    f32("log1p", Tensor::log1p, StrictMath::log1p, x);
    f32("expm1", Tensor::expm1, StrictMath::expm1, x);
    float[] small = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      small[i] = (float) (-90 + 180 * r.nextDouble());
    }
    f32("expm1", Tensor::expm1, StrictMath::expm1, small);
    f32("erf", Tensor::erf, org.vmap4j.prim.ErrorFunction::erf, small);
    f32("erf", Tensor::erf, org.vmap4j.prim.ErrorFunction::erf, x);
    float[] base = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      base[i] = i % 4 == 0 ? -Math.round(x[i]) : Math.abs(x[i]) % 50;
    }
    Tensor bt = Tensor.of(base, base.length);
    Tensor yt = Tensor.of(y, y.length);
    float[] got = (float[]) runTensors(v -> v[0].pow(v[1]), bt, yt);
    int worst = 0;
    for (int i = 0; i < x.length; i++) {
      float want = (float) StrictMath.pow(base[i], y[i]);
      worst = Math.max(worst, f32UlpDistance("pow", base[i], got[i], want));
    }
    System.out.printf(
        "pow f32: max %d ulp of (float) StrictMath over %d values%n", worst, x.length);
    assertThat(worst).isLessThanOrEqualTo(1);
  }

  // ---- helpers ---------------------------------------------------------------------------

  private void f32(
      String name, Function<Tensor, Tensor> f, DoubleUnaryOperator reference, float[] x) {
    float[] got = (float[]) runOne(f, Tensor.of(x, x.length));
    int worst = 0;
    for (int i = 0; i < x.length; i++) {
      float want = (float) reference.applyAsDouble(x[i]);
      worst = Math.max(worst, f32UlpDistance(name, x[i], got[i], want));
    }
    System.out.printf(
        "%s f32: max %d ulp of (float) StrictMath over %d values%n", name, worst, x.length);
    assertThat(worst).as(name).isLessThanOrEqualTo(1);
  }

  /** Distance in f32 ulps; special values must match exactly. */
  private static int f32UlpDistance(String name, float x, float got, float want) {
    if (Float.isNaN(want) || Float.isInfinite(want) || want == 0) {
      assertThat(Float.floatToIntBits(got))
          .as("%s(%s) = %s, want %s", name, x, got, want)
          .isEqualTo(Float.floatToIntBits(want));
      return 0;
    }
    assertThat(Float.isFinite(got)).as("%s(%s) = %s, want %s", name, x, got, want).isTrue();
    return (int) Math.round(Math.abs(got - (double) want) / Math.ulp(want));
  }

  private void unary(
      String name,
      Function<Tensor, Tensor> f,
      DoubleUnaryOperator reference,
      double[] x,
      double maxUlp) {
    double[] all = Arrays.stream(concat(SPECIAL, x)).filter(v -> inDomain(name, v)).toArray();
    double[] got = run(f, all);
    double[] want = Arrays.stream(all).map(reference).toArray();
    report(name, got, want, i -> "x=" + all[i], maxUlp);
  }

  private void binary(
      String name,
      BinaryOperator<Tensor> f,
      DoubleBinaryOperator reference,
      double[] x,
      double[] y,
      double maxUlp) {
    double[] got = run(f, x, y);
    double[] want = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      want[i] = reference.applyAsDouble(x[i], y[i]);
    }
    report(name, got, want, i -> "x=" + x[i] + ", y=" + y[i], maxUlp);
  }

  private static void report(
      String name,
      double[] got,
      double[] want,
      java.util.function.IntFunction<String> at,
      double maxUlp) {
    double worst = -1; // the first finite value sets it, and where the worst error is
    int worstAt = 0;
    List<String> wrong = new ArrayList<>();
    for (int i = 0; i < got.length; i++) {
      double w = want[i];
      double g = got[i];
      if (Double.isNaN(w) || Double.isInfinite(w) || w == 0) {
        if (Double.doubleToLongBits(g) != Double.doubleToLongBits(w)
            && !(Double.isNaN(g) && Double.isNaN(w))) {
          wrong.add(at.apply(i) + ": " + g + ", want " + w);
        }
        continue;
      }
      double ulps = Double.isFinite(g) ? Math.abs(g - w) / Math.ulp(w) : Double.POSITIVE_INFINITY;
      if (!(ulps <= worst)) {
        worst = ulps;
        worstAt = i;
      }
    }
    System.out.printf(
        "%s f64: max %.3f ulp of StrictMath over %d values (at %s)%n",
        name, worst, got.length, at.apply(worstAt));
    assertThat(wrong).as(name + " special values").isEmpty();
    assertThat(worst)
        .as(name + " max ulp error, at " + at.apply(worstAt))
        .isLessThanOrEqualTo(maxUlp);
  }

  /** sin and cos are checked in ulps only below the reduction bound. */
  private static boolean inDomain(String name, double x) {
    boolean trig = name.startsWith("sin") || name.startsWith("cos");
    return !trig || !(Math.abs(x) > 1.6e6) || Double.isInfinite(x);
  }

  /** A random double of any sign and exponent (subnormals included). */
  private static double anyDouble(Random r) {
    double v = Math.scalb(1 + r.nextDouble(), r.nextInt(-1074, 1024));
    return r.nextBoolean() ? v : -v;
  }

  /** Random values over all exponents, a dense sweep of [lo, hi] and random values in it. */
  private static double[] sample(double lo, double hi) {
    Random r = new Random(Double.hashCode(lo) * 31 + Double.hashCode(hi));
    double[] v = new double[8000];
    for (int i = 0; i < 2000; i++) {
      v[i] = anyDouble(r);
    }
    double[] dense = sweep(lo, hi, 4000);
    System.arraycopy(dense, 0, v, 2000, dense.length);
    for (int i = 6000; i < v.length; i++) {
      v[i] = lo + (hi - lo) * r.nextDouble();
    }
    return v;
  }

  private static double[] sweep(double lo, double hi, int n) {
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = lo + (hi - lo) * i / (n - 1);
    }
    return v;
  }

  private static double[] concat(double[] a, double[] b) {
    double[] c = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }

  private double[] run(Function<Tensor, Tensor> f, double[] x) {
    return (double[]) runOne(f, Tensor.of(x, x.length));
  }

  private double[] run(BinaryOperator<Tensor> f, double[] x, double[] y) {
    return (double[])
        runTensors(v -> f.apply(v[0], v[1]), Tensor.of(x, x.length), Tensor.of(y, y.length));
  }

  /** The traced function's plan, every step on the (interpreted) GPU, run; its output's data. */
  private Object runTensors(Function<Tensor[], Tensor> f, Tensor... in) {
    var program =
        in.length == 1
            ? Func.trace(v -> f.apply(new Tensor[] {v}), in[0])
            : Func.trace((a, b) -> f.apply(new Tensor[] {a, b}), in[0], in[1]);
    GpuPlan plan = GpuPlan.of(ProgramCompiler.plan(program));
    for (GpuPlan.Step s : plan.steps()) {
      assertThat(s).as(s.describe()).isNotInstanceOf(GpuPlan.OnCpu.class);
    }
    List<CpuTensor> args = new ArrayList<>();
    for (Tensor t : in) {
      args.add((CpuTensor) t);
    }
    return execute(plan, args).get(0).contiguousData();
  }

  /** Runs the plan on the device under test: here the PTX interpreter. */
  List<CpuTensor> execute(GpuPlan plan, List<CpuTensor> args) {
    return InterpretedGpu.run(plan, args);
  }

  private Object runOne(Function<Tensor, Tensor> f, Tensor x) {
    return runTensors(v -> f.apply(v[0]), x);
  }
}
