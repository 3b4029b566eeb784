package org.vmap4j.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vmap4j.DType;
import org.vmap4j.Tensor;
import org.vmap4j.TensorType;
import org.vmap4j.kernel.Monoid;
import org.vmap4j.kernel.ScalarOp;
import org.vmap4j.kernel.ScalarStep;

/**
 * {@link VectorRowSums} against the generated row loop it replaces ({@link Reductions#source}), bit
 * for bit, over row lengths around the eight accumulators (tails of 1 to 7, rows of one group, long
 * odd rows), offsets, and values with NaN, infinities, signed zeros, subnormals and magnitudes far
 * apart; and against a plain double loop within the rounding of a float sum.
 */
class VectorRowSumsTest {
  private static final int[] LENGTHS = {8, 9, 15, 16, 17, 23, 31, 33, 64, 100, 1000, 2051};

  @BeforeEach
  void vectorApiPresent() {
    assumeTrue(Gemm.VECTOR_API && VectorRowSums.applies(), "no Vector API or an odd lane count");
  }

  @Test
  void equalTheGeneratedRowLoopBitForBit() {
    ReductionLoop generated =
        KernelCompiler.instance(Reductions.source(Monoid.SUM, DType.F32), ReductionLoop.class);
    Random rnd = new Random(11);
    for (int length : LENGTHS) {
      for (Values kind : Values.values()) {
        int rows = 5;
        int off = 3;
        float[] x = values(off + rows * length + 2, kind, rnd);
        if (kind == Values.WIDE) {
          // in each row, pairs of +-2^60 that cancel: which small values they absorb, and so
          // the sum, depends on the accumulator each element and the tail go to
          for (int i = 0; i < rows; i++) {
            for (int pair = 0; pair < 2; pair++) {
              x[off + i * length + rnd.nextInt(length)] = 0x1p60f;
              x[off + i * length + rnd.nextInt(length)] = -0x1p60f;
            }
          }
        }
        float[] want = new float[rows];
        float[] got = new float[rows];
        generated.run(x, off, want, rows, length);
        VectorRowSums.sum(x, off, got, rows, length);
        for (int i = 0; i < rows; i++) {
          assertThat(Float.floatToIntBits(got[i]))
              .as(
                  "row %d of length %d (%s values): %s against %s",
                  i, length, kind, got[i], want[i])
              .isEqualTo(Float.floatToIntBits(want[i]));
        }
        if (kind == Values.GAUSSIAN) {
          for (int i = 0; i < rows; i++) {
            double plain = 0;
            double magnitude = 0;
            for (int j = 0; j < length; j++) {
              plain += x[off + i * length + j];
              magnitude += Math.abs(x[off + i * length + j]);
            }
            assertThat((double) got[i])
                .isCloseTo(
                    plain,
                    org.assertj.core.data.Offset.offset(
                        1e-6 * magnitude + Math.ulp((float) plain)));
          }
        }
      }
    }
  }

  @Test
  void reduceTakesThemForF32SumsAndKeepsTheLoopElsewhere() {
    Random rnd = new Random(13);
    for (int length : new int[] {7, 8, 13, 1000}) {
      float[] x = values(6 * length, Values.WIDE, rnd);
      CpuTensor f32 = CpuTensor.wrap(DType.F32, x, 2, 3, length);
      float[] want = new float[6];
      KernelCompiler.instance(Reductions.source(Monoid.SUM, DType.F32), ReductionLoop.class)
          .run(x, 0, want, 6, length);
      float[] got =
          (float[])
              Reductions.reduce(
                      f32, new int[] {2}, Monoid.SUM, new TensorType(DType.F32, new int[] {2, 3}))
                  .data();
      for (int i = 0; i < 6; i++) {
        assertThat(Float.floatToIntBits(got[i]))
            .as("row %d, length %d", i, length)
            .isEqualTo(Float.floatToIntBits(want[i]));
      }
      assertThat(Reductions.vectorRowSums(Monoid.SUM, DType.F32, length)).isEqualTo(length >= 8);
    }
    // F64 sums, and F32 maxima, keep the generated loop; their results equal a plain loop
    assertThat(Reductions.vectorRowSums(Monoid.SUM, DType.F64, 1000)).isFalse();
    assertThat(Reductions.vectorRowSums(Monoid.MAX, DType.F32, 1000)).isFalse();
    double[] d = new double[3 * 101];
    for (int i = 0; i < d.length; i++) {
      d[i] = rnd.nextGaussian();
    }
    double[] sums = Tensor.of(d).reshape(3, 101).sum(1).toDoubleArray();
    for (int i = 0; i < 3; i++) {
      double plain = 0;
      for (int j = 0; j < 101; j++) {
        plain += d[i * 101 + j];
      }
      assertThat(sums[i]).isCloseTo(plain, org.assertj.core.data.Offset.offset(1e-12));
    }
  }

  @Test
  void fusedNegationsAndProductsEqualTheGeneratedFusedLoop() {
    Random rnd = new Random(23);
    DType f = DType.F32;
    List<List<ScalarStep>> graphs =
        List.of(
            List.of(new ScalarStep("t0", ScalarOp.NEG, f, List.of("x0"), List.of(f))),
            List.of(new ScalarStep("t0", ScalarOp.MUL, f, List.of("x0", "x1"), List.of(f, f))),
            List.of(new ScalarStep("t0", ScalarOp.MUL, f, List.of("x1", "x1"), List.of(f, f))),
            // not a vector term: the generated loop either way
            List.of(new ScalarStep("t0", ScalarOp.ADD, f, List.of("x0", "x1"), List.of(f, f))));
    for (List<ScalarStep> steps : graphs) {
      for (int length : LENGTHS) {
        for (Values kind : Values.values()) {
          int rows = 4;
          // the second input a column slice of a wider tensor: rows at a stride of length + 3
          CpuTensor x = CpuTensor.wrap(f, values(rows * length, kind, rnd), rows, length);
          CpuTensor wide =
              CpuTensor.wrap(f, values(rows * (length + 3), kind, rnd), rows, length + 3);
          CpuTensor y = wide.view(new int[] {rows, length}, new int[] {length + 3, 1}, 2);
          CpuTensor[] in = {x, y};
          String statements = JavaScalarOps.statements(steps);
          TensorType outType = new TensorType(f, rows);
          float[] want =
              (float[])
                  FusedReductions.apply(
                          statements, "t0", f, in, new int[] {rows, length}, 1, Monoid.SUM, outType)
                      .data();
          float[] got =
              (float[])
                  FusedReductions.applyFused(
                          steps,
                          statements,
                          "t0",
                          f,
                          in,
                          new int[] {rows, length},
                          1,
                          Monoid.SUM,
                          outType)
                      .data();
          for (int i = 0; i < rows; i++) {
            assertThat(Float.floatToIntBits(got[i]))
                .as(
                    "%s, row %d of length %d (%s values): %s against %s",
                    steps.get(0).op(), i, length, kind, got[i], want[i])
                .isEqualTo(Float.floatToIntBits(want[i]));
          }
        }
      }
    }
  }

  private static final float[] SPECIAL = {
    Float.NaN,
    Float.POSITIVE_INFINITY,
    Float.NEGATIVE_INFINITY,
    0f,
    -0f,
    1e-40f,
    -1e-40f,
    3e38f,
    -3e38f,
    1e-7f
  };

  /**
   * GAUSSIAN: times 1 or 1000 (a double sum of these is mostly exact); WIDE: times 2^-20 to 2^20
   * (with cancelling pairs of 2^60 put in), so the double sums round and their order shows;
   * SPECIAL: GAUSSIAN with one in six from {@link #SPECIAL}.
   */
  private enum Values {
    GAUSSIAN,
    WIDE,
    SPECIAL
  }

  private static float[] values(int n, Values kind, Random rnd) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      double g = rnd.nextGaussian();
      a[i] =
          switch (kind) {
            case GAUSSIAN -> (float) (g * (rnd.nextBoolean() ? 1 : 1000));
            case WIDE -> (float) Math.scalb(g, rnd.nextInt(41) - 20);
            case SPECIAL ->
                rnd.nextInt(6) == 0
                    ? SPECIAL[rnd.nextInt(SPECIAL.length)]
                    : (float) (g * (rnd.nextBoolean() ? 1 : 1000));
          };
    }
    return a;
  }
}
