package org.vmap4j.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.vmap4j.kernel.ScalarOp.GT;
import static org.vmap4j.kernel.ScalarOp.SELECT;

import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vmap4j.DType;
import org.vmap4j.Func;
import org.vmap4j.Tensor;
import org.vmap4j.kernel.ScalarStep;

/**
 * Kernels whose only costly step is a float or double {@code select} (ReLU and its VJP) run as
 * Vector API loops ({@link JavaScalarOps}' select form marks them), with the scalar loop's results
 * bit for bit: the mask read from a {@code boolean[]} or computed in the kernel, the other operand
 * an array or one broadcast zero, F32 and F64, lengths around the lane counts, NaN, infinities,
 * signed zeros and subnormals among the values.
 */
class SelectVectorLoopsTest {
  private static final int[] LENGTHS = {0, 1, 3, 7, 8, 9, 15, 16, 17, 31, 33, 64, 100, 1000};

  @BeforeEach
  void vectorApiPresent() {
    assumeTrue(VectorKernels.ENABLED, "the JVM has no jdk.incubator.vector");
  }

  @Test
  void reluAndItsVjpRenderVectorLoopsEqualToTheScalarLoops() {
    Random rnd = new Random(17);
    for (DType t : new DType[] {DType.F32, DType.F64}) {
      DType b = DType.BOOL;
      // forward: x > 0 ? x : 0 with the zero broadcast
      List<ScalarStep> forward =
          List.of(
              new ScalarStep("t0", GT, b, List.of("x0", "x1"), List.of(t, t)),
              new ScalarStep("t1", SELECT, t, List.of("t0", "x0", "x1"), List.of(b, t, t)));
      // VJP: mask ? g : zeros, the mask read from memory, the zeros an array or broadcast
      List<ScalarStep> vjp =
          List.of(new ScalarStep("t0", SELECT, t, List.of("x0", "x1", "x2"), List.of(b, t, t)));
      for (int n : LENGTHS) {
        Object x = values(t, n + 1, rnd);
        check(
            forward,
            "t1",
            new DType[] {t, t},
            new boolean[] {false, true},
            new Object[] {x, Storage.allocate(t, 1)},
            t,
            n);
        boolean[] mask = new boolean[n + 1];
        for (int i = 0; i < mask.length; i++) {
          mask[i] = rnd.nextBoolean();
        }
        for (boolean zeroBroadcast : new boolean[] {false, true}) {
          check(
              vjp,
              "t0",
              new DType[] {b, t, t},
              new boolean[] {false, false, zeroBroadcast},
              new Object[] {mask, x, values(t, n + 1, rnd)},
              t,
              n);
        }
      }
    }
  }

  @Test
  void jittedReluAndItsGradientOverManyElementsRunVectorLoops() {
    Random rnd = new Random(19);
    double[] xs = new double[64 * 128];
    for (int i = 0; i < xs.length; i++) {
      xs[i] = rnd.nextGaussian();
    }
    xs[3] = -0.0;
    xs[4] = 0.0;
    Tensor x = Tensor.of(xs).reshape(64, 128).astype(DType.F32);
    Function<Tensor, Tensor> relu = v -> v.relu().mul(v);
    long before = VectorKernels.vectorLoopCount();
    float[] jitted = Func.jit(relu).apply(x).toFloatArray();
    assertThat(VectorKernels.vectorLoopCount()).isGreaterThan(before);
    float[] in = x.toFloatArray();
    for (int i = 0; i < in.length; i++) {
      // an independent plain loop: relu(x) * x
      float want = (in[i] > 0 ? in[i] : 0f) * in[i];
      assertThat(Float.floatToIntBits(jitted[i]))
          .as("at %s", in[i])
          .isEqualTo(Float.floatToIntBits(want));
    }
  }

  /** The kernel's scalar and vector loops (the vector one rendered as in production) agree. */
  private static void check(
      List<ScalarStep> steps,
      String result,
      DType[] dtypes,
      boolean[] broadcast,
      Object[] in,
      DType out,
      int n) {
    String statements = JavaScalarOps.statements(steps);
    String vector = VectorKernels.loop(steps, result, statements, dtypes, broadcast, out, false);
    assertThat(vector).as("a vector loop for %s", steps).isNotNull();
    Object want = Storage.allocate(out, n + 2);
    Object got = Storage.allocate(out, n + 2);
    int[] offsets = new int[in.length];
    KernelCompiler.instance(
            ElementwiseKernels.source(statements, result, dtypes, broadcast, out),
            ElementwiseLoop.class)
        .run(in, offsets, want, 1, n);
    KernelCompiler.instance(vector, ElementwiseLoop.class).run(in, offsets, got, 1, n);
    for (int i = 0; i < n + 2; i++) {
      long w = bits(want, i);
      long g = bits(got, i);
      assertThat(g).as("element %d of %d (%s)", i, n, out).isEqualTo(w);
    }
  }

  private static long bits(Object a, int i) {
    return a instanceof float[] f
        ? Float.floatToRawIntBits(f[i])
        : Double.doubleToRawLongBits(((double[]) a)[i]);
  }

  private static final double[] SPECIAL = {
    Double.NaN,
    Double.POSITIVE_INFINITY,
    Double.NEGATIVE_INFINITY,
    0.0,
    -0.0,
    1e-40,
    -1e-40,
    1e-310,
    -1e-310
  };

  private static Object values(DType t, int n, Random rnd) {
    Object a = Storage.allocate(t, n);
    for (int i = 0; i < n; i++) {
      double v = rnd.nextInt(4) == 0 ? SPECIAL[rnd.nextInt(SPECIAL.length)] : rnd.nextGaussian();
      if (t == DType.F32) {
        ((float[]) a)[i] = (float) v;
      } else {
        ((double[]) a)[i] = v;
      }
    }
    return a;
  }
}
