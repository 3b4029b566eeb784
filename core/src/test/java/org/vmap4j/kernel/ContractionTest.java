package org.vmap4j.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.vmap4j.DType;
import org.vmap4j.TensorType;
import org.vmap4j.cpu.CpuTensor;
import org.vmap4j.cpu.Gemm;
import org.vmap4j.interpreter.Params;
import org.vmap4j.interpreter.Shapes;
import org.vmap4j.ir.Equation;
import org.vmap4j.ir.Var;
import org.vmap4j.prim.DotGeneral;
import org.vmap4j.testing.TensorAssertions;

/**
 * dot_general's one GEMM statement ({@link Contraction}, {@link GemmDescription}) against plain
 * loops over multi-indices, which know nothing of GEMMs: for random dimension numbers and operand
 * layouts, the description read through its strides reproduces the contraction, the transposes of
 * {@link GemmPrimitive#regrouped} make every scattered case direct, and the CPU's evaluate (which
 * renders the description through its micro-kernels) agrees on transposed views.
 */
class ContractionTest {

  /** A random dot_general: shapes and dimension numbers. */
  private record Case(int[] lhsShape, int[] rhsShape, Params params) {
    TensorType[] types() {
      return new TensorType[] {
        new TensorType(DType.F64, lhsShape), new TensorType(DType.F64, rhsShape)
      };
    }
  }

  private static Case randomCase(Random r) {
    int nb = r.nextInt(2);
    int nc = 1 + r.nextInt(2);
    int nlf = r.nextInt(3);
    int nrf = r.nextInt(3);
    int[] batch = sizes(r, nb);
    int[] contract = sizes(r, nc);
    int[] lhsPerm = permutation(r, nb + nc + nlf);
    int[] rhsPerm = permutation(r, nb + nc + nrf);
    // lhs dims: logical roles [batch..., contract..., free...] placed at positions lhsPerm
    int[] lhsShape = new int[lhsPerm.length];
    int[] rhsShape = new int[rhsPerm.length];
    int[] lb = new int[nb];
    int[] rb = new int[nb];
    int[] lc = new int[nc];
    int[] rc = new int[nc];
    for (int i = 0; i < nb; i++) {
      lb[i] = lhsPerm[i];
      rb[i] = rhsPerm[i];
      lhsShape[lb[i]] = batch[i];
      rhsShape[rb[i]] = batch[i];
    }
    for (int i = 0; i < nc; i++) {
      lc[i] = lhsPerm[nb + i];
      rc[i] = rhsPerm[nb + i];
      lhsShape[lc[i]] = contract[i];
      rhsShape[rc[i]] = contract[i];
    }
    for (int i = nb + nc; i < lhsPerm.length; i++) {
      lhsShape[lhsPerm[i]] = 1 + r.nextInt(4);
    }
    for (int i = nb + nc; i < rhsPerm.length; i++) {
      rhsShape[rhsPerm[i]] = 1 + r.nextInt(4);
    }
    return new Case(lhsShape, rhsShape, DotGeneral.params(lc, rc, lb, rb));
  }

  private static int[] sizes(Random r, int n) {
    int[] out = new int[n];
    for (int i = 0; i < n; i++) {
      out[i] = 1 + r.nextInt(4);
    }
    return out;
  }

  private static int[] permutation(Random r, int n) {
    List<Integer> l = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      l.add(i);
    }
    java.util.Collections.shuffle(l, r);
    return l.stream().mapToInt(Integer::intValue).toArray();
  }

  /**
   * The contraction by definition: for every result multi-index (batch, lhs free, rhs free), the
   * sum over every contracted multi-index of the product of the two elements it names.
   */
  private static double[] byDefinition(Case c, double[] lhs, double[] rhs) {
    int[] lc = c.params().ints("lhs_contract");
    int[] rc = c.params().ints("rhs_contract");
    int[] lb = c.params().ints("lhs_batch");
    int[] rb = c.params().ints("rhs_batch");
    int[] lf = DotGeneral.free(c.lhsShape().length, lc, lb);
    int[] rf = DotGeneral.free(c.rhsShape().length, rc, rb);
    int[] outShape =
        Shapes.concat(
            Shapes.concat(Shapes.select(c.lhsShape(), lb), Shapes.select(c.lhsShape(), lf)),
            Shapes.select(c.rhsShape(), rf));
    int[] sumShape = Shapes.select(c.lhsShape(), lc);
    double[] out = new double[Shapes.size(outShape)];
    int[] ls = Shapes.contiguousStrides(c.lhsShape());
    int[] rs = Shapes.contiguousStrides(c.rhsShape());
    for (int o = 0; o < out.length; o++) {
      int[] oi = unravel(o, outShape);
      double s = 0;
      for (int q = 0; q < Shapes.size(sumShape); q++) {
        int[] qi = unravel(q, sumShape);
        int li = 0;
        int ri = 0;
        for (int i = 0; i < lb.length; i++) {
          li += oi[i] * ls[lb[i]];
          ri += oi[i] * rs[rb[i]];
        }
        for (int i = 0; i < lf.length; i++) {
          li += oi[lb.length + i] * ls[lf[i]];
        }
        for (int i = 0; i < rf.length; i++) {
          ri += oi[lb.length + lf.length + i] * rs[rf[i]];
        }
        for (int i = 0; i < lc.length; i++) {
          li += qi[i] * ls[lc[i]];
          ri += qi[i] * rs[rc[i]];
        }
        s += lhs[li] * rhs[ri];
      }
      out[o] = s;
    }
    return out;
  }

  private static int[] unravel(int flat, int[] shape) {
    int[] out = new int[shape.length];
    for (int d = shape.length - 1; d >= 0; d--) {
      out[d] = flat % shape[d];
      flat /= shape[d];
    }
    return out;
  }

  /** The description read element by element through its strides, as a backend would. */
  private static double[] throughStrides(GemmDescription g, double[] a, double[] b) {
    double[] c = new double[g.batch() * g.m() * g.n()];
    GemmDescription.Operand x = g.a();
    GemmDescription.Operand y = g.b();
    for (int z = 0; z < g.batch(); z++) {
      for (int i = 0; i < g.m(); i++) {
        for (int j = 0; j < g.n(); j++) {
          double s = 0;
          for (int p = 0; p < g.k(); p++) {
            s +=
                a[
                        (int)
                            (x.offset()
                                + z * x.batchStride()
                                + i * x.freeStride()
                                + p * x.contractStride())]
                    * b[
                        (int)
                            (y.offset()
                                + z * y.batchStride()
                                + j * y.freeStride()
                                + p * y.contractStride())];
          }
          c[(z * g.m() + i) * g.n() + j] = s;
        }
      }
    }
    return c;
  }

  /** Row-major data of {@code shape} permuted by {@code perm} (a transpose, as a plain loop). */
  private static double[] transpose(double[] x, int[] shape, int[] perm) {
    int[] outShape = Shapes.select(shape, perm);
    int[] strides = Shapes.contiguousStrides(shape);
    double[] out = new double[x.length];
    for (int o = 0; o < out.length; o++) {
      int[] oi = unravel(o, outShape);
      int src = 0;
      for (int d = 0; d < perm.length; d++) {
        src += oi[d] * strides[perm[d]];
      }
      out[o] = x[src];
    }
    return out;
  }

  private static double[] random(Random r, int n) {
    double[] out = new double[n];
    for (int i = 0; i < n; i++) {
      out[i] = r.nextGaussian();
    }
    return out;
  }

  @Test
  void theDescriptionOrItsRegroupingReproducesEveryContraction() {
    Random r = new Random(11);
    int direct = 0;
    int regrouped = 0;
    for (int trial = 0; trial < 300; trial++) {
      Case c = randomCase(r);
      double[] lhs = random(r, Shapes.size(c.lhsShape()));
      double[] rhs = random(r, Shapes.size(c.rhsShape()));
      double[] want = byDefinition(c, lhs, rhs);
      Contraction contraction = DotGeneral.DOT_GENERAL.contraction(c.types(), c.params());
      assertThat(contraction.resultShape())
          .isEqualTo(DotGeneral.DOT_GENERAL.inferType(c.types(), c.params()).shape());
      Contraction.Mapping m = contraction.ontoRowMajor();
      GemmDescription g;
      double[] a = lhs;
      double[] b = rhs;
      if (m instanceof Contraction.Direct d) {
        g = d.gemm();
        direct++;
      } else {
        Contraction.Regroup why = (Contraction.Regroup) m;
        Equation e =
            new Equation(
                DotGeneral.DOT_GENERAL,
                c.params(),
                List.of(new Var(c.types()[0]), new Var(c.types()[1])),
                List.of(new Var(DotGeneral.DOT_GENERAL.inferType(c.types(), c.params()))));
        GemmPrimitive.Regrouped parts = DotGeneral.DOT_GENERAL.regrouped(e);
        assertThat(parts.transposes()).hasSize((why.lhs() ? 1 : 0) + (why.rhs() ? 1 : 0));
        if (why.lhs()) {
          a = transpose(lhs, c.lhsShape(), contraction.lhsGemmOrder());
        }
        if (why.rhs()) {
          b = transpose(rhs, c.rhsShape(), contraction.rhsGemmOrder());
        }
        Equation p = parts.product();
        TensorType[] in = {p.inputs().get(0).type(), p.inputs().get(1).type()};
        Contraction.Mapping after =
            DotGeneral.DOT_GENERAL.contraction(in, p.params()).ontoRowMajor();
        assertThat(after).as("regrouped " + why).isInstanceOf(Contraction.Direct.class);
        g = ((Contraction.Direct) after).gemm();
        regrouped++;
      }
      TensorAssertions.assertClose(
          "trial " + trial + " " + g.describe(),
          throughStrides(g, a, b),
          want,
          TensorAssertions.Tolerance.scaled(1e-12));
    }
    assertThat(direct).isGreaterThan(30);
    assertThat(regrouped).isGreaterThan(30);
  }

  @Test
  void theCpuEvaluatesContractionsOfTransposedViewsLikeTheDefinition() {
    Random r = new Random(5);
    for (int trial = 0; trial < 200; trial++) {
      Case c = randomCase(r);
      double[] lhs = random(r, Shapes.size(c.lhsShape()));
      double[] rhs = random(r, Shapes.size(c.rhsShape()));
      double[] want = byDefinition(c, lhs, rhs);
      CpuTensor[] in = {stored(r, lhs, c.lhsShape()), stored(r, rhs, c.rhsShape())};
      TensorType out = DotGeneral.DOT_GENERAL.inferType(c.types(), c.params());
      CpuTensor got = DotGeneral.DOT_GENERAL.evaluate(in, c.params(), out);
      TensorAssertions.assertClose(
          "trial " + trial, got.toDoubleArray(), want, TensorAssertions.Tolerance.scaled(1e-12));
    }
  }

  /** The tensor of {@code shape} holding {@code x}, stored in a random dimension order. */
  private static CpuTensor stored(Random r, double[] x, int[] shape) {
    int[] perm = permutation(r, shape.length);
    double[] data = transpose(x, shape, perm);
    return CpuTensor.wrap(DType.F64, data, Shapes.select(shape, perm))
        .permuteView(Shapes.inversePermutation(perm));
  }

  @Test
  void aScatteredGroupIsNamed() {
    // lhs [2,3,4] contracting dims 0 and 2 against rhs [2,4,5] dims 0 and 1: lhs's contracting
    // group has a gap (dimension 1) between its dimensions
    Contraction c =
        DotGeneral.DOT_GENERAL.contraction(
            new TensorType[] {
              new TensorType(DType.F32, 2, 3, 4), new TensorType(DType.F32, 2, 4, 5)
            },
            DotGeneral.params(new int[] {0, 2}, new int[] {0, 1}, new int[0], new int[0]));
    assertThat(c.ontoRowMajor()).isEqualTo(new Contraction.Regroup("lhs contracting", true, false));
  }

  @Test
  void theCpuKernelsRefuseUnpackedOperandsNamingTheLayout() {
    GemmDescription transposedA =
        new GemmDescription(
            DType.F32,
            1,
            4,
            8,
            3,
            new GemmDescription.Operand(0, 12, 1, 4),
            new GemmDescription.Operand(0, 24, 1, 8));
    assertThatThrownBy(() -> Gemm.run(transposedA, new float[12], new float[24]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("packed row-major")
        .hasMessageContaining("freeStride=1");
  }
}
