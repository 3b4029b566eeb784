package org.vmap4j.gpu;

import java.util.List;
import org.vmap4j.DType;
import org.vmap4j.compiler.KernelExpression;
import org.vmap4j.core.Primitive;
import org.vmap4j.prim.Binary;
import org.vmap4j.prim.Compare;
import org.vmap4j.prim.Convert;
import org.vmap4j.prim.Select;
import org.vmap4j.prim.Unary;

/**
 * The GPU backend's lowering of each element-wise primitive to PTX instructions, F32 only for now.
 * Core stays free of CUDA, so this table lives here rather than in each primitive; it is the one
 * place for the PTX form of each primitive. Transcendentals use the hardware's approximate
 * instructions (a few ulp, documented in docs/gpu.md); {@code max}/{@code min} propagate NaN as the
 * CPU does ({@code max.NaN}, sm_80+).
 */
final class PtxLowering {
  private static final String LOG2_E = "0f3FB8AA3B";
  private static final String LN_2 = "0f3F317218";

  private PtxLowering() {}

  /** PTX lines computing {@code dst} (a register) from operand registers. */
  static List<String> lower(
      KernelExpression.Temp t, String dst, List<String> ops, Scratch scratch) {
    Primitive p = t.primitive();
    if (t.dtype() != DType.F32 && t.dtype() != DType.BOOL) {
      throw unsupported(t, "only f32 kernels are lowered to PTX so far");
    }
    for (DType d : t.operandTypes()) {
      if (d != DType.F32 && d != DType.BOOL) {
        throw unsupported(t, "operand dtype " + d + " is not lowered to PTX yet");
      }
    }
    if (p instanceof Binary b) {
      String a = ops.get(0);
      String c = ops.get(1);
      return switch (b) {
        case ADD -> List.of("add.f32 " + dst + ", " + a + ", " + c + ";");
        case SUB -> List.of("sub.f32 " + dst + ", " + a + ", " + c + ";");
        case MUL -> List.of("mul.f32 " + dst + ", " + a + ", " + c + ";");
        case DIV -> List.of("div.rn.f32 " + dst + ", " + a + ", " + c + ";");
        case MAX -> List.of("max.NaN.f32 " + dst + ", " + a + ", " + c + ";");
        case MIN -> List.of("min.NaN.f32 " + dst + ", " + a + ", " + c + ";");
        case POW -> throw unsupported(t, "pow is not lowered to PTX yet");
      };
    }
    if (p instanceof Unary u) {
      String a = ops.get(0);
      String s = scratch.next();
      return switch (u) {
        case NEG -> List.of("neg.f32 " + dst + ", " + a + ";");
        case ABS -> List.of("abs.f32 " + dst + ", " + a + ";");
        case EXP ->
            List.of(
                "mul.f32 " + s + ", " + a + ", " + LOG2_E + ";",
                "ex2.approx.f32 " + dst + ", " + s + ";");
        case LOG ->
            List.of(
                "lg2.approx.f32 " + s + ", " + a + ";",
                "mul.f32 " + dst + ", " + s + ", " + LN_2 + ";");
        case SIN -> List.of("sin.approx.f32 " + dst + ", " + a + ";");
        case COS -> List.of("cos.approx.f32 " + dst + ", " + a + ";");
        case TANH -> List.of("tanh.approx.f32 " + dst + ", " + a + ";");
        case LOGISTIC ->
            // sigmoid(x) = 0.5 * tanh(x / 2) + 0.5
            List.of(
                "mul.f32 " + s + ", " + a + ", 0f3F000000;",
                "tanh.approx.f32 " + s + ", " + s + ";",
                "fma.rn.f32 " + dst + ", " + s + ", 0f3F000000, 0f3F000000;");
        case SQRT -> List.of("sqrt.rn.f32 " + dst + ", " + a + ";");
        case RSQRT -> List.of("rsqrt.approx.f32 " + dst + ", " + a + ";");
        default -> throw unsupported(t, u.displayName() + " is not lowered to PTX yet");
      };
    }
    if (p instanceof Compare c) {
      String op =
          switch (c) {
            case LT -> "lt";
            case LE -> "le";
            case GT -> "gt";
            case GE -> "ge";
            case EQ -> "eq";
            case NE -> "neu"; // unordered: NaN != x is true, as in Java
          };
      return List.of("setp." + op + ".f32 " + dst + ", " + ops.get(0) + ", " + ops.get(1) + ";");
    }
    if (p == Select.SELECT) {
      return List.of(
          "selp.f32 " + dst + ", " + ops.get(1) + ", " + ops.get(2) + ", " + ops.get(0) + ";");
    }
    if (p == Convert.CONVERT && t.operandTypes().get(0) == t.dtype()) {
      return List.of("mov.f32 " + dst + ", " + ops.get(0) + ";");
    }
    throw unsupported(t, p.displayName() + " is not lowered to PTX yet");
  }

  private static UnsupportedOperationException unsupported(KernelExpression.Temp t, String why) {
    return new UnsupportedOperationException(
        "cannot lower " + t.primitive().displayName() + " (" + t.dtype() + ") to PTX: " + why);
  }

  /** Fresh scratch registers for multi-instruction lowerings. */
  static final class Scratch {
    private int count;

    String next() {
      return "%s" + count++;
    }

    int count() {
      return count;
    }
  }
}
