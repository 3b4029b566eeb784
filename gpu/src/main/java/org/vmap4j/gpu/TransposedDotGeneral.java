package org.vmap4j.gpu;

import java.util.List;
import org.vmap4j.TensorType;
import org.vmap4j.interpreter.Shapes;
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
   * The transposes of the operands that need one (each a {@code transpose} equation whose output is
   * a fresh variable that never leaves the step) and the GEMM-ready {@code dot_general} on their
   * results, in the order they run.
   */
  record Lowered(List<Equation> transposes, Equation gemm) {}

  static Lowered lower(Equation e) {
    int[] lc = e.params().ints("lhs_contract");
    int[] rc = e.params().ints("rhs_contract");
    int[] lb = e.params().ints("lhs_batch");
    int[] rb = e.params().ints("rhs_batch");
    Var l = e.inputs().get(0);
    Var r = e.inputs().get(1);
    int[] lf = DotGeneral.free(l.type().ndim(), lc, lb);
    int[] rf = DotGeneral.free(r.type().ndim(), rc, rb);
    Equation lt = adjacent(l.type(), lb, lf, lc) ? null : transpose(l, lb, lf, lc);
    Equation rt = adjacent(r.type(), rb, rc, rf) ? null : transpose(r, rb, rc, rf);
    int nb = lb.length;
    Var lv = lt == null ? l : lt.outputs().get(0);
    Var rv = rt == null ? r : rt.outputs().get(0);
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
    List<Equation> transposes = new java.util.ArrayList<>();
    if (lt != null) {
      transposes.add(lt);
    }
    if (rt != null) {
      transposes.add(rt);
    }
    return new Lowered(List.copyOf(transposes), gemm);
  }

  /** Whether each of the three groups collapses to one stride in the contiguous layout. */
  private static boolean adjacent(TensorType t, int[] a, int[] b, int[] c) {
    int[] strides = Shapes.contiguousStrides(t.shape());
    for (int[] group : new int[][] {a, b, c}) {
      if (DotGeneralGemm.stride(t.shape(), strides, group) == DotGeneralGemm.NOT_ADJACENT) {
        return false;
      }
    }
    return true;
  }

  private static Equation transpose(Var v, int[] first, int[] second, int[] third) {
    int[] perm = Shapes.concat(Shapes.concat(first, second), third);
    TensorType type = v.type().withShape(Shapes.select(v.type().shape(), perm));
    return new Equation(
        Transpose.TRANSPOSE, Transpose.params(perm), List.of(v), List.of(new Var(type)));
  }
}
