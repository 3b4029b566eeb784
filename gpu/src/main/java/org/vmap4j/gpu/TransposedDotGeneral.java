package org.vmap4j.gpu;

import java.util.List;
import org.vmap4j.core.Shapes;
import org.vmap4j.core.TensorType;
import org.vmap4j.ir.Equation;
import org.vmap4j.ir.Var;
import org.vmap4j.prim.DotGeneral;
import org.vmap4j.prim.Transpose;

/**
 * A {@code dot_general} whose dimension groups are not adjacent in memory (so {@link
 * DotGeneralGemm} cannot see them as single strides), as transposes of the offending operands into
 * GEMM order (lhs [batch, free, contracting], rhs [batch, contracting, free]) followed by one GEMM
 * on the transposed copies. An operand the GEMM can read as it is stays untouched.
 */
final class TransposedDotGeneral {
  private TransposedDotGeneral() {}

  /**
   * One operand's transpose: the synthetic {@code transpose} equation (its output a fresh variable
   * that never leaves the step) and its kernel.
   */
  record Transposition(Equation equation, String ptx, int n, long threads) {
    Var output() {
      return equation.outputs().get(0);
    }
  }

  /** The transposes (null where an operand is used as it is) and the GEMM on their results. */
  record Lowered(Transposition lhs, Transposition rhs, Equation gemm) {}

  static Lowered lower(Equation e) {
    int[] lc = e.params().ints("lhs_contract");
    int[] rc = e.params().ints("rhs_contract");
    int[] lb = e.params().ints("lhs_batch");
    int[] rb = e.params().ints("rhs_batch");
    Var l = e.inputs().get(0);
    Var r = e.inputs().get(1);
    int[] lf = DotGeneral.free(l.type().ndim(), lc, lb);
    int[] rf = DotGeneral.free(r.type().ndim(), rc, rb);
    Transposition lt = adjacent(l.type(), lb, lf, lc) ? null : transpose(l, lb, lf, lc);
    Transposition rt = adjacent(r.type(), rb, rc, rf) ? null : transpose(r, rb, rc, rf);
    int nb = lb.length;
    Var lv = lt == null ? l : lt.output();
    Var rv = rt == null ? r : rt.output();
    int[] lc2 = lt == null ? lc : Shapes.range(nb + lf.length, nb + lf.length + lc.length);
    int[] lb2 = lt == null ? lb : Shapes.range(0, nb);
    int[] rc2 = rt == null ? rc : Shapes.range(nb, nb + rc.length);
    int[] rb2 = rt == null ? rb : Shapes.range(0, nb);
    Equation gemm =
        new Equation(
            DotGeneral.DOT_GENERAL,
            DotGeneral.params(lc2, rc2, lb2, rb2),
            List.of(lv, rv),
            e.outputs());
    return new Lowered(lt, rt, gemm);
  }

  /** Whether each of the three groups collapses to one stride in the contiguous layout. */
  private static boolean adjacent(TensorType t, int[] a, int[] b, int[] c) {
    int[] strides = Shapes.contiguousStrides(t.shape());
    try {
      DotGeneralGemm.stride(t.shape(), strides, a, "");
      DotGeneralGemm.stride(t.shape(), strides, b, "");
      DotGeneralGemm.stride(t.shape(), strides, c, "");
      return true;
    } catch (UnsupportedOperationException x) {
      return false;
    }
  }

  private static Transposition transpose(Var v, int[] first, int[] second, int[] third) {
    int[] perm = Shapes.concat(Shapes.concat(first, second), third);
    TensorType type = v.type().withShape(Shapes.select(v.type().shape(), perm));
    Equation t =
        new Equation(
            Transpose.TRANSPOSE, Transpose.params(perm), List.of(v), List.of(new Var(type)));
    var d = StridedPrimitives.description(t);
    return new Transposition(
        t, StridedPrimitives.render(t), PtxKernelRenderer.outputs(d), PtxKernelRenderer.threads(d));
  }
}
