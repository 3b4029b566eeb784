package org.vmap4j.gpu.ptx;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.vmap4j.Tensor;
import org.vmap4j.TensorType;
import org.vmap4j.compiler.Fusion;
import org.vmap4j.cpu.CpuTensor;
import org.vmap4j.gpu.GpuPlan;
import org.vmap4j.gpu.KernelCorpus;
import org.vmap4j.gpu.cublas.CublasCall;
import org.vmap4j.interpreter.Shapes;
import org.vmap4j.ir.Equation;
import org.vmap4j.kernel.GemmDescription;
import org.vmap4j.testing.TensorAssertions;

/**
 * The index arithmetic the generated kernels encode, checked on the CPU without a GPU: for every
 * GEMM and strided primitive of the kernel corpus, reading contiguous inputs the way the PTX does
 * (the GEMM's strides, the strided kernel's offsets and trailing reduction) gives the CPU
 * primitive's result. This checks the mapping (which dimensions, which strides), not the PTX
 * instructions; those need the GPU tests.
 */
class IndexMathTest {
  @Test
  void gemmShapesReproduceEveryDotGeneralOfTheCorpus() {
    int checked = 0;
    for (KernelCorpus.Entry e : KernelCorpus.all()) {
      for (GpuPlan.Step s : e.plan().steps()) {
        if (s instanceof GpuPlan.Gemm g) {
          Equation eq = g.source().equation();
          CpuTensor a = random(eq.inputs().get(0).type(), 1);
          CpuTensor b = random(eq.inputs().get(1).type(), 2);
          CpuTensor want = evaluate(eq, a, b);
          double[] got = gemm(g.shape(), flat(a), flat(b));
          assertClose(e.program() + " " + g.describe(), got, flat(want));
          checked++;
        }
      }
    }
    assertThat(checked).isGreaterThan(10);
  }

  /**
   * The cuBLAS arguments {@link CublasCall} derives, run through a plain-loop model of cuBLAS's
   * documented column-major {@code gemmStridedBatched} (including its leading-dimension checks),
   * reproduce every dot_general of the corpus and of extra transposed and batched products. Every
   * one of them has a unit stride in each operand, so all must be expressible.
   */
  @Test
  void cublasArgumentsReproduceEveryDotGeneral() {
    List<GpuPlan> plans = new java.util.ArrayList<>();
    KernelCorpus.all().forEach(e -> plans.add(e.plan()));
    org.vmap4j.DType f = org.vmap4j.DType.F64;
    plans.add(plan((a, b) -> a.transpose().matmul(b.transpose()), rnd(f, 40, 70), rnd(f, 66, 40)));
    plans.add(plan(Tensor::matmul, rnd(f, 3, 17, 33), rnd(f, 3, 33, 9)));
    plans.add(plan((a, b) -> a.matmul(b.transpose()), rnd(f, 1, 5), rnd(f, 7, 5)));
    plans.add(plan((a, b) -> a.transpose().matmul(b), rnd(f, 5, 1), rnd(f, 5, 7)));
    int checked = 0;
    for (GpuPlan plan : plans) {
      for (GpuPlan.Step s : plan.steps()) {
        if (s instanceof GpuPlan.Gemm g) {
          Equation eq = g.source().equation();
          CpuTensor a = random(eq.inputs().get(0).type(), 1);
          CpuTensor b = random(eq.inputs().get(1).type(), 2);
          CublasCall call = CublasCall.of(g.shape());
          if (g.shape().k() == 0 || (long) g.shape().batch() * g.shape().m() * g.shape().n() == 0) {
            assertThat(call).as(g.describe()).isNull();
            continue;
          }
          assertThat(call).as(g.describe() + " " + g.shape()).isNotNull();
          double[] got = cublasModel(call, flat(a), flat(b));
          assertClose(g.describe() + " " + call, got, flat(evaluate(eq, a, b)));
          checked++;
        }
      }
    }
    assertThat(checked).isGreaterThan(14);
  }

  @Test
  void operandsWithoutAUnitStrideStayOnOurGemm() {
    // A strided along both of its dimensions (rows 10 apart, columns 2 apart)
    var shape =
        new GemmDescription(
            org.vmap4j.DType.F32,
            1,
            4,
            3,
            5,
            new GemmDescription.Operand(0, 0, 10, 2),
            new GemmDescription.Operand(0, 0, 1, 3));
    assertThat(CublasCall.of(shape)).isNull();
    var contiguous = GemmDescription.rowMajor(org.vmap4j.DType.F32, 1, 4, 3, 5, 0, 0);
    assertThat(CublasCall.of(contiguous)).isNotNull();
  }

  /**
   * cuBLAS's column-major {@code C[p] = op(X[p])·op(Y[p])} as its documentation defines it, X our B
   * and Y our A. Fails where cuBLAS would answer {@code CUBLAS_STATUS_INVALID_VALUE}.
   */
  static double[] cublasModel(CublasCall c, double[] a, double[] b) {
    int m = c.rows();
    int n = c.cols();
    int k = c.depth();
    assertThat(c.ldx()).as("ldx").isGreaterThanOrEqualTo(Math.max(1, c.transX() ? k : m));
    assertThat(c.ldy()).as("ldy").isGreaterThanOrEqualTo(Math.max(1, c.transY() ? n : k));
    assertThat(c.ldc()).as("ldc").isGreaterThanOrEqualTo(Math.max(1, m));
    double[] out = new double[(int) (c.batch() * c.strideC())];
    for (int p = 0; p < c.batch(); p++) {
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
          double acc = 0;
          for (int l = 0; l < k; l++) {
            double x =
                b[
                    (int)
                        (p * c.strideX()
                            + (c.transX() ? l + (long) i * c.ldx() : i + (long) l * c.ldx()))];
            double y =
                a[
                    (int)
                        (p * c.strideY()
                            + (c.transY() ? j + (long) l * c.ldy() : l + (long) j * c.ldy()))];
            acc += x * y;
          }
          out[(int) (p * c.strideC() + i + (long) j * c.ldc())] = acc;
        }
      }
    }
    return out;
  }

  private static GpuPlan plan(
      java.util.function.BiFunction<Tensor, Tensor, Tensor> f, Tensor x, Tensor y) {
    return GpuPlan.of(org.vmap4j.compiler.ProgramCompiler.plan(org.vmap4j.Func.trace(f, x, y)));
  }

  private static Tensor rnd(org.vmap4j.DType t, int... shape) {
    return Tensor.randomNormal(shape.length, t, shape);
  }

  @Test
  void stridedKernelsReproduceTransposeBroadcastSliceAndReductions() {
    int checked = 0;
    for (KernelCorpus.Entry e : KernelCorpus.all()) {
      for (GpuPlan.Step s : e.plan().steps()) {
        if (s instanceof GpuPlan.Strided k) {
          Equation eq = k.source().equation();
          CpuTensor x = random(eq.inputs().get(0).type(), 3);
          var d = k.source().kernel().orElseThrow();
          double[] got =
              strided(
                  d.shape(),
                  d.views().get(0).strides(),
                  d.views().get(0).offset(),
                  d.reducedDims(),
                  d.reduce(),
                  flat(x));
          assertClose(e.program() + " " + k.describe(), got, flat(evaluate(eq, x)));
          checked++;
        }
      }
    }
    assertThat(checked).isGreaterThan(10);
  }

  @Test
  void broadcastInputsOfFusedKernelsReadTheRightElements() {
    int checked = 0;
    for (KernelCorpus.Entry e : KernelCorpus.all()) {
      for (GpuPlan.Step s : e.plan().steps()) {
        if (s instanceof GpuPlan.Kernel k) {
          List<org.vmap4j.kernel.View> views = k.source().kernel().views();
          for (int i = 0; i < views.size(); i++) {
            Fusion.Input in = ((Fusion.FusedStep) k.source()).inputs().get(i);
            if (views.get(i).isContiguous()) {
              assertThat(in.view()).isNull();
              continue;
            }
            CpuTensor src = random(in.source().type(), 4);
            CpuTensor view =
                in.view()
                    .primitive()
                    .evaluate(
                        new CpuTensor[] {src},
                        in.view().params(),
                        new TensorType[] {in.viewType()})[0];
            double[] got =
                strided(
                    k.source().kernel().shape(),
                    views.get(i).strides(),
                    views.get(i).offset(),
                    0,
                    null,
                    flat(src));
            assertClose(e.program() + " input " + i, got, flat(view));
            checked++;
          }
        }
      }
    }
    assertThat(checked).isGreaterThan(10);
  }

  /** C[b,m,n] = Σ A[b·sAb + m·sAm + k·sAk]·B[b·sBb + k·sBk + n·sBn], as GemmPtx indexes. */
  static double[] gemm(GemmDescription s, double[] a, double[] b) {
    double[] c = new double[s.batch() * s.m() * s.n()];
    for (int z = 0; z < s.batch(); z++) {
      for (int m = 0; m < s.m(); m++) {
        for (int n = 0; n < s.n(); n++) {
          double acc = 0;
          for (int k = 0; k < s.k(); k++) {
            acc +=
                a[
                        (int)
                            (z * s.a().batchStride()
                                + m * s.a().freeStride()
                                + k * s.a().contractStride())]
                    * b[
                        (int)
                            (z * s.b().batchStride()
                                + k * s.b().contractStride()
                                + n * s.b().freeStride())];
          }
          c[(z * s.m() + m) * s.n() + n] = acc;
        }
      }
    }
    return c;
  }

  /** The renderer's offset formula (div/rem by the inner sizes), then the trailing reduction. */
  static double[] strided(
      int[] shape,
      int[] strides,
      int base,
      int reducedDims,
      org.vmap4j.kernel.Monoid reduce,
      double[] x) {
    int total = Shapes.size(shape);
    int reduced =
        Shapes.size(java.util.Arrays.copyOfRange(shape, shape.length - reducedDims, shape.length));
    int outputs = reduced == 0 ? 0 : total / reduced;
    double[] out = new double[reducedDims == 0 ? total : outputs];
    for (int o = 0; o < out.length; o++) {
      double acc =
          reduce == null
              ? 0
              : switch (reduce) {
                case SUM -> 0;
                case MAX -> Double.NEGATIVE_INFINITY;
                case MIN -> Double.POSITIVE_INFINITY;
              };
      int count = reducedDims == 0 ? 1 : reduced;
      for (int j = 0; j < count; j++) {
        int index = reducedDims == 0 ? o : o * reduced + j;
        int off = base;
        long inner = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
          off += (int) ((index / inner) % shape[d]) * strides[d];
          inner *= shape[d];
        }
        double v = x[off];
        acc =
            reduce == null
                ? v
                : switch (reduce) {
                  case SUM -> acc + v;
                  case MAX -> Math.max(acc, v);
                  case MIN -> Math.min(acc, v);
                };
      }
      out[o] = acc;
    }
    return out;
  }

  private static CpuTensor evaluate(Equation eq, CpuTensor... in) {
    return eq.primitive()
        .evaluate(in, eq.params(), new TensorType[] {eq.outputs().get(0).type()})[0];
  }

  private static CpuTensor random(TensorType t, long seed) {
    Tensor x =
        t.dtype().isFloating()
            ? Tensor.randomNormal(seed, t.dtype(), t.shape())
            : Tensor.zeros(t.dtype(), t.shape());
    return (CpuTensor) x;
  }

  private static double[] flat(CpuTensor t) {
    double[] out = new double[t.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = t.getDouble(i);
    }
    return out;
  }

  private static void assertClose(String what, double[] got, double[] want) {
    TensorAssertions.assertClose(what, got, want, TensorAssertions.Tolerance.scaled(1e-4));
  }
}
