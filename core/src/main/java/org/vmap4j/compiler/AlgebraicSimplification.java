package org.vmap4j.compiler;

import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.vmap4j.TensorType;
import org.vmap4j.cpu.CpuTensor;
import org.vmap4j.interpreter.Params;
import org.vmap4j.interpreter.Primitive;
import org.vmap4j.interpreter.Shapes;
import org.vmap4j.ir.Equation;
import org.vmap4j.ir.Program;
import org.vmap4j.ir.Var;
import org.vmap4j.prim.Binary;
import org.vmap4j.prim.BroadcastInDim;
import org.vmap4j.prim.DotGeneral;
import org.vmap4j.prim.Reshape;
import org.vmap4j.prim.Transpose;

/**
 * Local rewrites that remove work: {@code x * 1}, {@code 1 * x}, {@code x / 1}, {@code x + 0},
 * {@code 0 + x}, {@code x - 0} (where the constant may be a broadcast scalar), a transpose of a
 * transpose (composed, or removed when it is the identity), a transpose that only moves size-1 axes
 * (a reshape), a reshape of a reshape, and reshapes, transposes and broadcasts that change nothing.
 * Rewrites only apply when the result has the same type, so no broadcasting is lost.
 */
final class AlgebraicSimplification {
  private AlgebraicSimplification() {}

  static Program run(Program p) {
    Map<Var, CpuTensor> consts = new IdentityHashMap<>();
    for (int i = 0; i < p.constVars().size(); i++) {
      consts.put(p.constVars().get(i), p.constValues().get(i));
    }
    Map<Var, Equation> producer = new IdentityHashMap<>();
    ProgramBuilder b = new ProgramBuilder(p);
    for (Equation original : p.equations()) {
      Equation e =
          composed(
              layoutPreservingTransposeAsReshape(
                  new Equation(
                      original.primitive(),
                      original.params(),
                      b.resolve(original.inputs()),
                      original.outputs())),
              producer);
      Var out = e.outputs().get(0);
      Var same = identityOperand(e, consts, producer);
      if (same != null && same.type().equals(out.type())) {
        b.redirect(out, same);
        continue;
      }
      if (e.primitive() == DotGeneral.DOT_GENERAL && nothingToSum(e)) {
        emitAsMultiply(e, b, producer);
        continue;
      }
      b.add(e);
      for (Var v : e.outputs()) {
        producer.put(v, e);
      }
    }
    return b.build();
  }

  private static boolean nothingToSum(Equation e) {
    TensorType lhs = e.inputs().get(0).type();
    for (int d : e.params().ints("lhs_contract")) {
      if (lhs.dim(d) != 1) {
        return false;
      }
    }
    return true;
  }

  /**
   * A dot_general whose contracting dimensions all have size 1 sums nothing: it is an outer
   * product, rewritten as a multiply of two broadcasts so that fusion can absorb it (per-sample
   * gradients of a linear layer are such products).
   */
  private static void emitAsMultiply(Equation e, ProgramBuilder b, Map<Var, Equation> producer) {
    Params p = e.params();
    int[] lc = p.ints("lhs_contract");
    int[] rc = p.ints("rhs_contract");
    int[] lb = p.ints("lhs_batch");
    int[] rb = p.ints("rhs_batch");
    Var lhs = e.inputs().get(0);
    Var rhs = e.inputs().get(1);
    int[] lf = DotGeneral.free(lhs.type().ndim(), lc, lb);
    int[] rf = DotGeneral.free(rhs.type().ndim(), rc, rb);
    Var out = e.outputs().get(0);
    int[] outShape = out.type().shape();
    int nb = lb.length;
    Var left =
        operandAsBroadcast(lhs, lb, lf, lc, outShape, Shapes.range(0, nb + lf.length), b, producer);
    int[] rightDims =
        Shapes.concat(Shapes.range(0, nb), Shapes.range(nb + lf.length, outShape.length));
    Var right = operandAsBroadcast(rhs, rb, rf, rc, outShape, rightDims, b, producer);
    Equation mul = new Equation(Binary.MUL, Params.NONE, List.of(left, right), List.of(out));
    b.add(mul);
    producer.put(out, mul);
  }

  private static Var operandAsBroadcast(
      Var x,
      int[] batch,
      int[] free,
      int[] contract,
      int[] outShape,
      int[] dims,
      ProgramBuilder b,
      Map<Var, Equation> producer) {
    int[] perm = Shapes.concat(Shapes.concat(batch, free), contract);
    Var v = x;
    if (!Arrays.equals(perm, Shapes.range(0, perm.length))) {
      v = emit(b, producer, Transpose.TRANSPOSE, Transpose.params(perm), v);
    }
    int[] kept = Shapes.select(x.type().shape(), Shapes.concat(batch, free));
    if (!Arrays.equals(kept, v.type().shape())) {
      v = emit(b, producer, Reshape.RESHAPE, Reshape.params(kept), v);
    }
    if (!Arrays.equals(kept, outShape)) {
      v =
          emit(
              b,
              producer,
              BroadcastInDim.BROADCAST_IN_DIM,
              BroadcastInDim.params(outShape, dims),
              v);
    }
    return v;
  }

  private static Var emit(
      ProgramBuilder b, Map<Var, Equation> producer, Primitive prim, Params params, Var input) {
    TensorType t = prim.inferTypes(new TensorType[] {input.type()}, params)[0];
    Var out = new Var(t);
    Equation e = new Equation(prim, params, List.of(input), List.of(out));
    b.add(e);
    producer.put(out, e);
    return out;
  }

  /** The operand that the equation's result equals, or null. */
  private static Var identityOperand(
      Equation e, Map<Var, CpuTensor> consts, Map<Var, Equation> producer) {
    if (e.primitive() instanceof Binary op) {
      Var a = e.inputs().get(0);
      Var c = e.inputs().get(1);
      switch (op) {
        case MUL:
          return isUniform(c, 1, consts, producer)
              ? a
              : isUniform(a, 1, consts, producer) ? c : null;
        case DIV:
          return isUniform(c, 1, consts, producer) ? a : null;
        case ADD:
          return isUniform(c, 0, consts, producer)
              ? a
              : isUniform(a, 0, consts, producer) ? c : null;
        case SUB:
          return isUniform(c, 0, consts, producer) ? a : null;
        default:
          return null;
      }
    }
    Var x = e.inputs().isEmpty() ? null : e.inputs().get(0);
    if (e.primitive() == Reshape.RESHAPE || e.primitive() == BroadcastInDim.BROADCAST_IN_DIM) {
      return x.type().equals(e.outputs().get(0).type()) ? x : null;
    }
    if (e.primitive() == Transpose.TRANSPOSE) {
      int[] perm = e.params().ints("perm");
      return Arrays.equals(perm, Shapes.range(0, perm.length)) ? x : null;
    }
    return null;
  }

  /**
   * A transpose that only moves size-1 axes keeps every element where it was in row-major order: it
   * is a reshape, which costs no copy and composes with neighbouring reshapes (vmap and the
   * batching rules of dot_general leave many such transposes around unit axes).
   */
  private static Equation layoutPreservingTransposeAsReshape(Equation e) {
    if (e.primitive() != Transpose.TRANSPOSE) {
      return e;
    }
    int[] shape = e.inputs().get(0).type().shape();
    int previous = -1;
    for (int axis : e.params().ints("perm")) {
      if (shape[axis] != 1) {
        if (axis < previous) {
          return e;
        }
        previous = axis;
      }
    }
    Var out = e.outputs().get(0);
    return new Equation(
        Reshape.RESHAPE, Reshape.params(out.type().shape()), e.inputs(), e.outputs());
  }

  /** Transpose of transpose and reshape of reshape become one equation on the inner operand. */
  private static Equation composed(Equation e, Map<Var, Equation> producer) {
    if (e.inputs().isEmpty()) {
      return e;
    }
    Equation inner = producer.get(e.inputs().get(0));
    if (inner == null || inner.primitive() != e.primitive()) {
      return e;
    }
    if (e.primitive() == Transpose.TRANSPOSE) {
      int[] outer = e.params().ints("perm");
      int[] first = inner.params().ints("perm");
      int[] perm = new int[outer.length];
      for (int i = 0; i < perm.length; i++) {
        perm[i] = first[outer[i]];
      }
      return new Equation(e.primitive(), Transpose.params(perm), inner.inputs(), e.outputs());
    }
    if (e.primitive() == Reshape.RESHAPE) {
      return new Equation(e.primitive(), e.params(), inner.inputs(), e.outputs());
    }
    return e;
  }

  /** Whether v is a constant (or a broadcast of one) whose every element equals {@code value}. */
  private static boolean isUniform(
      Var v, double value, Map<Var, CpuTensor> consts, Map<Var, Equation> producer) {
    Equation e = producer.get(v);
    if (e != null && e.primitive() == BroadcastInDim.BROADCAST_IN_DIM) {
      v = e.inputs().get(0);
    }
    CpuTensor c = consts.get(v);
    if (c == null) {
      return false;
    }
    for (int i = 0; i < c.size(); i++) {
      if (c.getDouble(i) != value) {
        return false;
      }
    }
    return true;
  }
}
