package org.vmap4j.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.vmap4j.kernel.ScalarOp.*;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vmap4j.DType;
import org.vmap4j.Func;
import org.vmap4j.Tensor;
import org.vmap4j.kernel.ScalarOp;
import org.vmap4j.kernel.ScalarStep;
import org.vmap4j.prim.ErrorFunction;

/**
 * The Vector API element-wise kernels ({@link VectorKernels}) against the scalar kernels of the
 * same step graphs, compiled side by side: every op with a vector form, in F32 and F64, over random
 * values mixed with NaN, infinities, signed zeros and subnormals, at lengths around the lane count
 * (tails shorter than a vector) and with broadcast inputs; results equal bit for bit (NaN as NaN),
 * but F32 erf, which is checked against {@code (float) ErrorFunction.erf} within 1 ulp, its
 * documented bound.
 */
class VectorKernelsTest {
  private static final int[] LENGTHS = {0, 1, 3, 7, 8, 9, 15, 16, 17, 31, 33, 64, 100, 1000};

  @BeforeEach
  void vectorApiPresent() {
    assumeTrue(VectorKernels.ENABLED, "the JVM has no jdk.incubator.vector");
  }

  @Test
  void everyUnaryAndBinaryFormEqualsTheScalarLoop() {
    Random rnd = new Random(7);
    for (DType t : new DType[] {DType.F32, DType.F64}) {
      for (ScalarOp op : new ScalarOp[] {NEG, ABS, SQRT, RSQRT}) {
        checkAgainstScalar(List.of(step("t0", op, t, List.of("x0"), List.of(t))), "t0", t, 1, rnd);
      }
      for (ScalarOp op : new ScalarOp[] {ADD, SUB, MUL, DIV, MAX, MIN, POW}) {
        checkAgainstScalar(
            List.of(step("t0", op, t, List.of("x0", "x1"), List.of(t, t))), "t0", t, 2, rnd);
      }
      for (ScalarOp op : new ScalarOp[] {LT, LE, GT, GE, EQ, NE}) {
        // a comparison's mask, turned to 0/1 and selected by: CONVERT and SELECT's forms too
        List<ScalarStep> steps =
            List.of(
                step("t0", op, DType.BOOL, List.of("x0", "x1"), List.of(t, t)),
                step("t1", CONVERT, t, List.of("t0"), List.of(DType.BOOL)),
                step("t2", SELECT, t, List.of("t0", "x0", "x1"), List.of(DType.BOOL, t, t)),
                step("t3", ADD, t, List.of("t1", "t2"), List.of(t, t)));
        checkAgainstScalar(steps, "t3", t, 2, rnd);
        checkAgainstScalar(steps.subList(0, 1), "t0", t, 2, rnd); // a BOOL result
      }
    }
  }

  @Test
  void f32ExpEqualsTheScalarLoopOutOfRangeAndNaNIncluded() {
    Random rnd = new Random(11);
    checkAgainstScalar(
        List.of(step("t0", EXP, DType.F32, List.of("x0"), List.of(DType.F32))),
        "t0",
        DType.F32,
        1,
        rnd);
    // a sweep of the whole range, edges included
    float[] x = new float[200_003];
    for (int i = 0; i < x.length; i++) {
      x[i] = -110f + 200f * i / x.length;
    }
    x[5] = 88.72f;
    x[6] = -103.97f;
    x[7] = Float.NaN;
    assertSame(
        run(exp(), DType.F32, false, new Object[] {x}, x.length),
        run(exp(), DType.F32, true, new Object[] {x}, x.length),
        new Object[] {x});
  }

  @Test
  void f32ErfWithinOneUlpOfTheRoundedDoubleErf() {
    Kernel erf =
        new Kernel(List.of(step("t0", ERF, DType.F32, List.of("x0"), List.of(DType.F32))), "t0");
    float[] specials = {
      0f,
      -0f,
      Float.MIN_VALUE,
      -Float.MIN_VALUE,
      1f,
      -1f,
      4f,
      -4f,
      Math.nextDown(1f),
      Math.nextDown(4f),
      Float.NaN,
      Float.POSITIVE_INFINITY,
      Float.NEGATIVE_INFINITY,
      1e30f
    };
    float[] x = new float[2_000_000];
    int count = 0;
    for (float s : specials) {
      x[count++] = s;
    }
    for (float v = -7f; v <= 7f; v = Math.nextUp(v + Math.ulp(v) * 1201)) {
      x[count++] = v;
    }
    x = Arrays.copyOf(x, count);
    // the kernel writes x[i]'s value at out[i + 1]
    float[] got =
        Arrays.copyOfRange(
            (float[]) run(erf, DType.F32, true, new Object[] {x}, x.length), 1, x.length + 1);
    int differing = 0;
    for (int i = 0; i < x.length; i++) {
      float want = (float) ErrorFunction.erf(x[i]);
      if (Float.isNaN(want)) {
        assertThat(got[i]).isNaN();
        continue;
      }
      assertThat(Math.abs(got[i] - want))
          .as("erf(%s): %s against %s", x[i], got[i], want)
          .isLessThanOrEqualTo(Math.ulp(want));
      assertThat(Math.copySign(1f, got[i]))
          .as("sign of erf(%s)", x[i])
          .isEqualTo(Math.copySign(1f, want));
      differing += got[i] == want ? 0 : 1;
    }
    assertThat(x.length).isGreaterThan(1_000_000);
    assertThat(differing).isLessThan(x.length / 100);
  }

  @Test
  void f32GroupsSplitIntoTwoDoubleHalvesAndJoinInPlace() {
    // one float shape for every kernel, doubles of that shape: two double halves a float group
    assertThat(VectorLanes.DOUBLES.vectorShape()).isEqualTo(VectorLanes.FLOATS.vectorShape());
    int lanes = VectorLanes.FLOATS.length();
    assertThat(VectorLanes.DOUBLES.length() * 2).isEqualTo(lanes);
    for (ScalarOp op : new ScalarOp[] {EXP, RSQRT}) {
      Kernel k =
          new Kernel(List.of(step("t0", op, DType.F32, List.of("x0"), List.of(DType.F32))), "t0");
      String source =
          VectorKernels.loop(
              k.steps(),
              "t0",
              JavaScalarOps.statements(k.steps()),
              new DType[] {DType.F32},
              new boolean[1],
              DType.F32,
              true);
      assertThat(source)
          .contains("S = org.vmap4j.cpu.VectorLanes.FLOATS;")
          .contains("F2D, SD, 0)")
          .contains("F2D, SD, 1)")
          .doesNotContain("SPECIES_");
      // groups that end mid-half and in either half, every lane a different value, and an
      // argument exp cannot take by lanes (+inf: by lanes it would be NaN) in the lower half only
      // of the first group, in the upper half only of the second: each half's check must send its
      // group to the scalar loop
      for (int groups = 1; groups <= 3; groups++) {
        for (int extra : new int[] {0, 1, lanes / 2 - 1, lanes / 2, lanes / 2 + 1, lanes - 1}) {
          int n = groups * lanes + extra;
          float[] x = new float[n];
          for (int i = 0; i < n; i++) {
            x[i] = 0.37f * i - 20f + (i % 2 == 0 ? 0.001f * i : 0f);
          }
          if (n > 2 * lanes) {
            x[1] = Float.POSITIVE_INFINITY;
            x[lanes + lanes / 2 + 1] = Float.POSITIVE_INFINITY;
          }
          assertSame(
              run(k, DType.F32, false, new Object[] {x}, n),
              run(k, DType.F32, true, new Object[] {x}, n),
              new Object[] {x});
        }
      }
    }
  }

  @Test
  void theInterpolatingPolynomialsAreWithinTheirStatedErrors() {
    double worstSmall = 0;
    double worstLarge = 0;
    for (int i = 0; i <= 100_000; i++) {
      double a = i / 100_000.0;
      double t = 2 * a * a - 1;
      worstSmall =
          Math.max(worstSmall, Math.abs(a * horner(VectorErf.SMALL, t) - ErrorFunction.erf(a)));
      double b = 1 + 3 * a;
      worstLarge =
          Math.max(
              worstLarge,
              Math.abs(horner(VectorErf.LARGE, (b - 2.5) / 1.5) - ErrorFunction.erf(b)));
    }
    assertThat(worstSmall).isLessThan(1e-12);
    assertThat(worstLarge).isLessThan(1e-9);
  }

  @Test
  void geluAndSoftmaxShapedGraphsEqualTheScalarLoop() {
    Random rnd = new Random(3);
    DType f = DType.F32;
    // GELU: x * (1 + erf(x * c)) * h, c and h broadcast; its derivative's exp(-x^2/2) term
    List<ScalarStep> gelu =
        List.of(
            step("t0", MUL, f, List.of("x0", "x1"), List.of(f, f)),
            step("t1", ERF, f, List.of("t0"), List.of(f)),
            step("t2", ADD, f, List.of("t1", "x2"), List.of(f, f)),
            step("t3", MUL, f, List.of("x0", "t2"), List.of(f, f)),
            step("t4", MUL, f, List.of("t0", "t0"), List.of(f, f)),
            step("t5", NEG, f, List.of("t4"), List.of(f)),
            step("t6", EXP, f, List.of("t5"), List.of(f)),
            step("t7", ADD, f, List.of("t3", "t6"), List.of(f, f)));
    // erf is within its bound, not equal: compare the erf-free softmax graph exactly
    List<ScalarStep> softmax =
        List.of(
            step("t0", SUB, f, List.of("x0", "x1"), List.of(f, f)),
            step("t1", EXP, f, List.of("t0"), List.of(f)),
            step("t2", POW, f, List.of("x2", "x3"), List.of(f, f)),
            step("t3", MUL, f, List.of("t1", "t2"), List.of(f, f)),
            step("t4", RSQRT, f, List.of("t3"), List.of(f)),
            step("t5", MAX, f, List.of("t4", "t0"), List.of(f, f)));
    for (int n : LENGTHS) {
      for (boolean[] broadcast :
          new boolean[][] {{false, true, false, true}, {false, false, true, false}}) {
        for (float exponent : new float[] {-1f, 2f, 3f}) {
          Object[] in = {
            values(f, n + 1, rnd), values(f, n + 1, rnd), values(f, n + 1, rnd), filled(n, exponent)
          };
          if (broadcast[3]) {
            ((float[]) in[3])[0] = exponent;
          }
          assertSame(
              run(new Kernel(softmax, "t5"), f, false, in, n, broadcast),
              run(new Kernel(softmax, "t5"), f, true, in, n, broadcast),
              in);
        }
        Object[] in = {values(f, n + 1, rnd), new float[] {0.70710677f}, new float[] {1f}};
        boolean[] b = {false, true, true};
        float[] scalar = (float[]) run(new Kernel(gelu, "t7"), f, false, in, n, b);
        float[] vector = (float[]) run(new Kernel(gelu, "t7"), f, true, in, n, b);
        for (int i = 1; i <= n; i++) {
          // (out[i] is x[i - 1]'s) erf within 2 ulp of the scalar erf, then times |x| <= 1e3 plus a
          // value at most 1
          float want = scalar[i];
          if (Float.isNaN(want) || Float.isInfinite(want)) {
            assertThat(Float.floatToIntBits(vector[i])).isEqualTo(Float.floatToIntBits(want));
          } else {
            float x = ((float[]) in[0])[i - 1];
            assertThat(Math.abs(vector[i] - want))
                .as("gelu at %s", x)
                .isLessThanOrEqualTo(4 * Math.ulp(1f) * (Math.abs(x) + 1) + 2 * Math.ulp(want));
          }
        }
      }
    }
  }

  @Test
  void rowKernelsWithRowBroadcastsEqualTheScalarRows() {
    Random rnd = new Random(5);
    for (DType t : new DType[] {DType.F32, DType.F64}) {
      // (x0 - mean) * rstd: LayerNorm's normalization, mean and rstd one per row
      List<ScalarStep> steps =
          List.of(
              step("t0", SUB, t, List.of("x0", "x1"), List.of(t, t)),
              step("t1", MUL, t, List.of("t0", "x2"), List.of(t, t)),
              step("t2", GT, DType.BOOL, List.of("t1", "x1"), List.of(t, t)),
              step("t3", SELECT, t, List.of("t2", "t1", "t0"), List.of(DType.BOOL, t, t)));
      DType[] dtypes = {t, t, t};
      boolean[] broadcast = {false, true, true};
      String statements = JavaScalarOps.statements(steps);
      ElementwiseKernels.RowsLoop scalar =
          KernelCompiler.instance(
              ElementwiseKernels.rowsSource(statements, "t3", dtypes, broadcast, t),
              ElementwiseKernels.RowsLoop.class);
      ElementwiseKernels.RowsLoop vector =
          KernelCompiler.instance(
              VectorKernels.rows(steps, "t3", statements, dtypes, broadcast, t, true),
              ElementwiseKernels.RowsLoop.class);
      for (int cols : new int[] {1, 5, 8, 13, 32, 40}) {
        int rows = 6;
        Object x = values(t, rows * cols + 3, rnd);
        Object mean = values(t, rows, rnd);
        Object rstd = values(t, rows, rnd);
        Object[] in = {x, mean, rstd};
        int[] offsets = {3, 0, 0};
        int[] rowStrides = {cols, 1, 1};
        Object want = Storage.allocate(t, rows * cols);
        Object got = Storage.allocate(t, rows * cols);
        scalar.run(in, offsets, rowStrides, want, 0, rows, cols);
        vector.run(in, offsets, rowStrides, got, 0, rows, cols);
        assertSame(want, got, in);
      }
    }
  }

  @Test
  void kernelsWithoutVectorFormsRenderNothing() {
    DType f = DType.F32;
    // F64 exp has no vector form (Math.exp is correctly rounded; a vector one would not be)
    assertThat(
            VectorKernels.loop(
                List.of(step("t0", EXP, DType.F64, List.of("x0"), List.of(DType.F64))),
                "t0",
                "",
                new DType[] {DType.F64},
                new boolean[1],
                DType.F64,
                true))
        .isNull();
    // nor has a kernel mixing F32 and F64
    assertThat(
            oneStepLoop(
                step("t0", CONVERT, DType.F64, List.of("x0"), List.of(f)), f, DType.F64, true))
        .isNull();
    // nor tanh
    assertThat(oneStepLoop(step("t0", TANH, f, List.of("x0"), List.of(f)), f, f, true)).isNull();
    // plain arithmetic keeps the scalar loop, which C2 vectorizes by itself
    assertThat(oneStepLoop(step("t0", ADD, f, List.of("x0", "x0"), List.of(f, f)), f, f, false))
        .isNull();
    assertThat(oneStepLoop(step("t0", EXP, f, List.of("x0"), List.of(f)), f, f, false)).isNotNull();
  }

  @Test
  void jittedGeluOverManyElementsRunsAVectorLoopWithinTheScalarBound() {
    // GELU and its exp-bearing derivative term, F32 [64, 128]: enough elements for a vector loop
    Function<Tensor, Tensor> gelu =
        x -> x.mul(x.mul(0.70710677).erf().add(1)).mul(0.5).add(x.square().neg().exp());
    Random rnd = new Random(9);
    double[] xs = new double[64 * 128];
    for (int i = 0; i < xs.length; i++) {
      xs[i] = rnd.nextGaussian() * 3;
    }
    Tensor x = Tensor.of(xs).reshape(64, 128).astype(DType.F32);
    long before = VectorKernels.vectorLoopCount();
    float[] jitted = Func.jit(gelu).apply(x).toFloatArray();
    assertThat(VectorKernels.vectorLoopCount()).isGreaterThan(before);
    float[] eager = gelu.apply(x).toFloatArray(); // the scalar loops, one primitive at a time
    float[] in = x.toFloatArray();
    for (int i = 0; i < in.length; i++) {
      assertThat(Math.abs(jitted[i] - eager[i]))
          .as("gelu at %s", in[i])
          .isLessThanOrEqualTo(4 * Math.ulp(1f) * (Math.abs(in[i]) + 1) + 2 * Math.ulp(eager[i]));
    }
  }

  // ---- helpers

  private record Kernel(List<ScalarStep> steps, String result) {}

  private static Kernel exp() {
    return new Kernel(List.of(step("t0", EXP, DType.F32, List.of("x0"), List.of(DType.F32))), "t0");
  }

  /** The vector loop of one step {@code t0} over one input of {@code in}, or null. */
  private static String oneStepLoop(
      ScalarStep step, DType in, DType out, boolean evenWithoutCalls) {
    return VectorKernels.loop(
        List.of(step), "t0", "", new DType[] {in}, new boolean[1], out, evenWithoutCalls);
  }

  private static ScalarStep step(
      String name, ScalarOp op, DType t, List<String> operands, List<DType> operandTypes) {
    return new ScalarStep(name, op, t, operands, operandTypes);
  }

  /** Runs the graph's scalar and vector loops over {@code arity} random inputs at every length. */
  private static void checkAgainstScalar(
      List<ScalarStep> steps, String result, DType t, int arity, Random rnd) {
    Kernel k = new Kernel(steps, result);
    for (int n : LENGTHS) {
      for (int variant = 0; variant < (arity == 1 ? 1 : 3); variant++) {
        boolean[] broadcast = new boolean[arity];
        if (variant > 0) {
          broadcast[variant - 1] = true; // one operand a single value along the row
        }
        Object[] in = new Object[arity];
        for (int i = 0; i < arity; i++) {
          in[i] = values(t, n + 2, rnd);
        }
        assertSame(run(k, t, false, in, n, broadcast), run(k, t, true, in, n, broadcast), in);
      }
    }
  }

  private static Object run(Kernel k, DType t, boolean vector, Object[] in, int n) {
    return run(k, t, vector, in, n, new boolean[in.length]);
  }

  /** One loop over elements [0, n) of inputs read from offset 0 (a broadcast one at its 0). */
  private static Object run(
      Kernel k, DType t, boolean vector, Object[] in, int n, boolean[] broadcast) {
    DType[] dtypes = new DType[in.length];
    Arrays.fill(dtypes, t);
    String statements = JavaScalarOps.statements(k.steps());
    DType out = k.steps().get(k.steps().size() - 1).dtype();
    for (ScalarStep s : k.steps()) {
      if (s.name().equals(k.result())) {
        out = s.dtype();
      }
    }
    String source =
        vector
            ? VectorKernels.loop(k.steps(), k.result(), statements, dtypes, broadcast, out, true)
            : ElementwiseKernels.source(statements, k.result(), dtypes, broadcast, out);
    assertThat(source).as("a vector rendering of %s", k.steps()).isNotNull();
    ElementwiseLoop loop = KernelCompiler.instance(source, ElementwiseLoop.class);
    // the result lands at offset 1 of a longer array: the kernel writes outOff + i only
    Object y = Storage.allocate(out, n + 2);
    loop.run(in, new int[in.length], y, 1, n);
    return y;
  }

  /** Equal element by element (floats by bits, any NaN equal to any NaN). */
  private static void assertSame(Object want, Object got, Object[] in) {
    int n = java.lang.reflect.Array.getLength(want);
    for (int i = 0; i < n; i++) {
      Object w = java.lang.reflect.Array.get(want, i);
      Object g = java.lang.reflect.Array.get(got, i);
      boolean same =
          w instanceof Float fw
              ? Float.floatToIntBits((Float) g) == Float.floatToIntBits(fw)
              : w instanceof Double dw
                  ? Double.doubleToLongBits((Double) g) == Double.doubleToLongBits(dw)
                  : w.equals(g);
      if (!same) {
        throw new AssertionError(
            "element "
                + i
                + " of "
                + n
                + ": "
                + g
                + " against the scalar loop's "
                + w
                + "; inputs "
                + inputsAt(in, i - 1));
      }
    }
  }

  private static String inputsAt(Object[] in, int i) {
    StringBuilder sb = new StringBuilder();
    for (Object a : in) {
      int n = java.lang.reflect.Array.getLength(a);
      sb.append(i >= 0 && i < n ? java.lang.reflect.Array.get(a, i) : "-").append(' ');
    }
    return sb.toString();
  }

  private static final double[] SPECIAL = {
    Double.NaN,
    Double.POSITIVE_INFINITY,
    Double.NEGATIVE_INFINITY,
    0.0,
    -0.0,
    1.0,
    -1.0,
    2.0,
    1e-40,
    -1e-40,
    1e-310,
    100.0,
    -100.0,
    89.5,
    -105.0,
    0.5
  };

  /** Random values of t, about a fifth of them special. */
  private static Object values(DType t, int n, Random rnd) {
    Object a = Storage.allocate(t, n);
    for (int i = 0; i < n; i++) {
      double v =
          rnd.nextInt(5) == 0
              ? SPECIAL[rnd.nextInt(SPECIAL.length)]
              : rnd.nextGaussian() * (rnd.nextBoolean() ? 1 : 30);
      if (t == DType.F32) {
        ((float[]) a)[i] = (float) v;
      } else {
        ((double[]) a)[i] = v;
      }
    }
    return a;
  }

  private static float[] filled(int n, float v) {
    float[] a = new float[Math.max(n, 1)];
    Arrays.fill(a, v);
    return a;
  }

  private static double horner(double[] p, double t) {
    double s = p[p.length - 1];
    for (int k = p.length - 2; k >= 0; k--) {
      s = s * t + p[k];
    }
    return s;
  }
}
