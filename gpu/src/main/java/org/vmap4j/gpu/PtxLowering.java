package org.vmap4j.gpu;

import static org.vmap4j.gpu.PtxRegisters.constant;
import static org.vmap4j.gpu.PtxRegisters.suffix;

import java.util.ArrayList;
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
 * The GPU backend's lowering of each element-wise primitive to PTX instructions. Core stays free of
 * CUDA, so this table lives here rather than in each primitive; it is the one place for the PTX
 * form of each primitive.
 *
 * <p>Accuracy: the CPU computes F32 transcendentals in double and rounds, so they are correctly
 * rounded; here F32 {@code exp}, {@code logistic} and {@code tanh} are built from the hardware's
 * {@code ex2.approx} with the argument's rounding error compensated (a few ulp), {@code tanh} uses
 * its Taylor polynomial below 0.6 (no cancellation near 0), {@code sin}/{@code cos} reduce the
 * argument modulo 2π before {@code sin.approx}/{@code cos.approx} (absolute error about 1e-6). F32
 * {@code log}, {@code log1p}, {@code expm1} and {@code pow} go through the f64 routines of {@link
 * PtxF64Math} and round once, as the CPU does (within an ulp of the CPU's result). Every F64
 * transcendental (there is no hardware instruction for any) is a software routine of {@link
 * PtxF64Math}, within a few ulp of StrictMath. Add, subtract and multiply carry {@code .rn}, which
 * stops ptxas from contracting them into fused multiply-adds the CPU does not do.
 */
final class PtxLowering {
  private static final double TWO_PI = 2 * Math.PI;

  /** Taylor coefficients of tanh: x^3 .. x^15. */
  private static final double[] TANH_TAYLOR = {
    -1.0 / 3,
    2.0 / 15,
    -17.0 / 315,
    62.0 / 2835,
    -1382.0 / 155925,
    21844.0 / 6081075,
    -929569.0 / 638512875
  };

  private PtxLowering() {}

  /** PTX lines computing {@code dst} (a register) from operand registers. */
  static List<String> lower(
      KernelExpression.Temp t, String dst, List<String> ops, PtxRegisters regs) {
    Primitive p = t.primitive();
    DType out = t.dtype();
    List<String> integer = lowerInteger(t, dst, ops, regs);
    if (integer != null) {
      return integer;
    }
    for (DType d : t.operandTypes()) {
      if (d != DType.F32 && d != DType.F64 && d != DType.BOOL) {
        throw unsupported(t, "operand dtype " + d + " is not lowered to PTX");
      }
    }
    if (p instanceof Binary b) {
      String s = floating(t);
      String a = ops.get(0);
      String c = ops.get(1);
      return switch (b) {
        case ADD -> List.of("add.rn." + s + " " + dst + ", " + a + ", " + c + ";");
        case SUB -> List.of("sub.rn." + s + " " + dst + ", " + a + ", " + c + ";");
        case MUL -> List.of("mul.rn." + s + " " + dst + ", " + a + ", " + c + ";");
        case DIV -> List.of("div.rn." + s + " " + dst + ", " + a + ", " + c + ";");
        case MAX, MIN -> maxMin(b == Binary.MAX ? "max" : "min", out, dst, a, c, regs);
        case POW -> math(PtxF64Math.Fn.POW, out, dst, ops, regs);
      };
    }
    if (p instanceof Unary u) {
      String s = floating(t);
      String a = ops.get(0);
      boolean f32 = out == DType.F32;
      return switch (u) {
        case NEG -> List.of("neg." + s + " " + dst + ", " + a + ";");
        case ABS -> List.of("abs." + s + " " + dst + ", " + a + ";");
        case SIGN -> sign(out, dst, a, regs);
        case SQRT -> List.of("sqrt.rn." + s + " " + dst + ", " + a + ";");
        case RSQRT -> {
          String r = regs.of(out);
          yield List.of(
              "sqrt.rn." + s + " " + r + ", " + a + ";",
              "rcp.rn." + s + " " + dst + ", " + r + ";");
        }
        case EXP -> f32 ? exp(dst, a, regs) : math(PtxF64Math.Fn.EXP, out, dst, ops, regs);
        // f32 too: lg2.approx alone has a poor relative accuracy near x = 1
        case LOG -> math(PtxF64Math.Fn.LOG, out, dst, ops, regs);
        case LOG1P -> math(PtxF64Math.Fn.LOG1P, out, dst, ops, regs);
        case EXPM1 -> math(PtxF64Math.Fn.EXPM1, out, dst, ops, regs);
        case SIN, COS -> {
          if (!f32) {
            yield math(u == Unary.SIN ? PtxF64Math.Fn.SIN : PtxF64Math.Fn.COS, out, dst, ops, regs);
          }
          yield sinCos(u == Unary.SIN ? "sin" : "cos", dst, a, regs);
        }
        case TANH -> f32 ? tanh(dst, a, regs) : math(PtxF64Math.Fn.TANH, out, dst, ops, regs);
        case LOGISTIC -> {
          if (!f32) {
            yield math(PtxF64Math.Fn.LOGISTIC, out, dst, ops, regs);
          }
          // 1 / (1 + exp(-x)): no cancellation anywhere, so exp's accuracy carries over
          List<String> lines = new ArrayList<>();
          String m = regs.f32();
          String e = regs.f32();
          lines.add("neg.f32 " + m + ", " + a + ";");
          lines.addAll(exp(e, m, regs));
          lines.add("add.rn.f32 " + e + ", " + e + ", 0f3F800000;");
          lines.add("rcp.rn.f32 " + dst + ", " + e + ";");
          yield lines;
        }
        default -> throw unsupported(t, u.displayName() + " is not lowered to PTX yet");
      };
    }
    if (p instanceof Compare c) {
      DType in = t.operandTypes().get(0);
      if (!in.isFloating()) {
        throw unsupported(t, "comparisons of " + in + " are not lowered");
      }
      return compare(c, in, dst, ops.get(0), ops.get(1));
    }
    if (p == Select.SELECT) {
      return select(floating(t), dst, ops);
    }
    if (p == Convert.CONVERT) {
      return convert(t, dst, ops.get(0));
    }
    throw unsupported(t, p.displayName() + " is not lowered to PTX yet");
  }

  private static String floating(KernelExpression.Temp t) {
    if (!t.dtype().isFloating()) {
      throw unsupported(t, "only f32 and f64 arithmetic is lowered");
    }
    for (DType d : t.operandTypes()) {
      if (d != t.dtype() && !(t.primitive() == Select.SELECT && d == DType.BOOL)) {
        throw unsupported(t, "mixed operand dtypes");
      }
    }
    return suffix(t.dtype());
  }

  private static List<String> convert(KernelExpression.Temp t, String dst, String a) {
    DType from = t.operandTypes().get(0);
    DType to = t.dtype();
    if (from == to) {
      return List.of(
          (to == DType.BOOL ? "mov.pred " : "mov." + suffix(to) + " ") + dst + ", " + a + ";");
    }
    if (from == DType.F32 && to == DType.F64) {
      return List.of("cvt.f64.f32 " + dst + ", " + a + ";");
    }
    if (from == DType.F64 && to == DType.F32) {
      return List.of("cvt.rn.f32.f64 " + dst + ", " + a + ";");
    }
    if (from == DType.BOOL && to.isFloating()) {
      return List.of(
          "selp."
              + suffix(to)
              + " "
              + dst
              + ", "
              + constant(to, 1)
              + ", "
              + constant(to, 0)
              + ", "
              + a
              + ";");
    }
    if (from.isFloating() && to == DType.BOOL) {
      // Java's (x != 0): true for NaN
      return List.of(
          "setp.neu." + suffix(from) + " " + dst + ", " + a + ", " + constant(from, 0) + ";");
    }
    throw unsupported(t, "conversion " + from + " -> " + to + " is not lowered");
  }

  /**
   * {@code setp} for a comparison of two {@code in} values. For floats, {@code ne} is the unordered
   * form: NaN != x is true, as in Java; every other comparison with NaN is false.
   */
  private static List<String> compare(Compare c, DType in, String dst, String a, String b) {
    String op =
        switch (c) {
          case LT -> "lt";
          case LE -> "le";
          case GT -> "gt";
          case GE -> "ge";
          case EQ -> "eq";
          case NE -> in.isFloating() ? "neu" : "ne";
        };
    return List.of("setp." + op + "." + suffix(in) + " " + dst + ", " + a + ", " + b + ";");
  }

  /** {@code select(pred, onTrue, onFalse)} on values of PTX type {@code suffix}. */
  private static List<String> select(String suffix, String dst, List<String> ops) {
    return List.of(
        "selp."
            + suffix
            + " "
            + dst
            + ", "
            + ops.get(1)
            + ", "
            + ops.get(2)
            + ", "
            + ops.get(0)
            + ";");
  }

  /** Math.max/min: NaN if either operand is NaN. */
  static List<String> maxMin(
      String op, DType t, String dst, String a, String b, PtxRegisters regs) {
    if (t == DType.F32) {
      return List.of(op + ".NaN.f32 " + dst + ", " + a + ", " + b + ";");
    }
    // max.f64 returns the non-NaN operand; the sum is NaN exactly when one operand is. The sum
    // and the NaN test read a and b before max writes dst, which may be a (a reduction's
    // accumulator): read after, a NaN accumulator would already be overwritten and lost.
    String sum = regs.f64();
    String nan = regs.pred();
    return List.of(
        "add.rn.f64 " + sum + ", " + a + ", " + b + ";",
        "setp.nan.f64 " + nan + ", " + a + ", " + b + ";",
        op + ".f64 " + dst + ", " + a + ", " + b + ";",
        "selp.f64 " + dst + ", " + sum + ", " + dst + ", " + nan + ";");
  }

  /** Math.signum: ±1, and x itself for ±0 and NaN. */
  private static List<String> sign(DType t, String dst, String a, PtxRegisters regs) {
    String s = suffix(t);
    String zeroOrNan = regs.pred();
    return List.of(
        "copysign." + s + " " + dst + ", " + a + ", " + constant(t, 1) + ";",
        "setp.equ." + s + " " + zeroOrNan + ", " + a + ", " + constant(t, 0) + ";",
        "selp." + s + " " + dst + ", " + a + ", " + dst + ", " + zeroOrNan + ";");
  }

  /**
   * exp(x) = 2^t · 2^e with t = x·log2(e) rounded and e its rounding error (from an fma, plus the
   * low part of log2(e)); 2^e ≈ 1 + e·ln 2, so the hardware's ex2 of a rounded argument is
   * corrected to a few ulp.
   */
  static List<String> exp(String dst, String x, PtxRegisters regs) {
    double log2e = 1 / Math.log(2);
    float hi = (float) log2e;
    double lo = log2e - hi;
    String t = regs.f32();
    String nt = regs.f32();
    String e = regs.f32();
    String r = regs.f32();
    String c = regs.f32();
    String finite = regs.pred();
    String finiteR = regs.pred();
    return List.of(
        "mul.rn.f32 " + t + ", " + x + ", " + constant(DType.F32, hi) + ";",
        "neg.f32 " + nt + ", " + t + ";",
        "fma.rn.f32 " + e + ", " + x + ", " + constant(DType.F32, hi) + ", " + nt + ";",
        "fma.rn.f32 " + e + ", " + x + ", " + constant(DType.F32, lo) + ", " + e + ";",
        "mul.rn.f32 " + e + ", " + e + ", " + constant(DType.F32, Math.log(2)) + ";",
        // x = ±inf or NaN gives e = NaN: then 2^t alone is the answer (inf, 0 or NaN)
        "testp.finite.f32 " + finite + ", " + e + ";",
        "selp.f32 " + e + ", " + e + ", 0f00000000, " + finite + ";",
        "ex2.approx.f32 " + r + ", " + t + ";",
        "fma.rn.f32 " + c + ", " + r + ", " + e + ", " + r + ";",
        // 2^t overflowed (inf·e + inf could be NaN) or is NaN: it is the answer as it is
        "testp.finite.f32 " + finiteR + ", " + r + ";",
        "selp.f32 " + dst + ", " + c + ", " + r + ", " + finiteR + ";");
  }

  /** sin/cos after reducing the argument to about [-π, π] with a two-part 2π. */
  private static List<String> sinCos(String op, String dst, String x, PtxRegisters regs) {
    float hi = (float) TWO_PI;
    double lo = TWO_PI - hi;
    String k = regs.f32();
    String r = regs.f32();
    return List.of(
        "mul.rn.f32 " + k + ", " + x + ", " + constant(DType.F32, 1 / TWO_PI) + ";",
        "cvt.rni.f32.f32 " + k + ", " + k + ";",
        "neg.f32 " + k + ", " + k + ";",
        "fma.rn.f32 " + r + ", " + k + ", " + constant(DType.F32, hi) + ", " + x + ";",
        "fma.rn.f32 " + r + ", " + k + ", " + constant(DType.F32, lo) + ", " + r + ";",
        op + ".approx.f32 " + dst + ", " + r + ";");
  }

  /**
   * tanh: below |x| = 0.6 its odd Taylor polynomial to x^15 (error under 1e-7 relative), above it
   * sign(x)·(1 - 2/(exp(2|x|) + 1)), where there is no cancellation worth the name.
   */
  private static List<String> tanh(String dst, String x, PtxRegisters regs) {
    List<String> l = new ArrayList<>();
    String a = regs.f32();
    String small = regs.pred();
    l.add("abs.f32 " + a + ", " + x + ";");
    l.add("setp.lt.f32 " + small + ", " + a + ", " + constant(DType.F32, 0.6) + ";");
    String x2 = regs.f32();
    String poly = regs.f32();
    l.add("mul.rn.f32 " + x2 + ", " + x + ", " + x + ";");
    l.add(
        "mov.f32 " + poly + ", " + constant(DType.F32, TANH_TAYLOR[TANH_TAYLOR.length - 1]) + ";");
    for (int i = TANH_TAYLOR.length - 2; i >= 0; i--) {
      l.add(
          "fma.rn.f32 "
              + poly
              + ", "
              + poly
              + ", "
              + x2
              + ", "
              + constant(DType.F32, TANH_TAYLOR[i])
              + ";");
    }
    String x3 = regs.f32();
    String near = regs.f32();
    l.add("mul.rn.f32 " + x3 + ", " + x2 + ", " + x + ";");
    l.add("fma.rn.f32 " + near + ", " + x3 + ", " + poly + ", " + x + ";");
    String twoA = regs.f32();
    String e = regs.f32();
    String far = regs.f32();
    l.add("add.rn.f32 " + twoA + ", " + a + ", " + a + ";");
    l.addAll(exp(e, twoA, regs));
    l.add("add.rn.f32 " + e + ", " + e + ", 0f3F800000;");
    l.add("div.rn.f32 " + e + ", 0f40000000, " + e + ";");
    l.add("sub.rn.f32 " + far + ", 0f3F800000, " + e + ";");
    l.add("copysign.f32 " + far + ", " + x + ", " + far + ";");
    l.add("selp.f32 " + dst + ", " + near + ", " + far + ", " + small + ";");
    return l;
  }

  /** A function of {@link PtxF64Math}: in f64 directly, in f32 through f64 and one rounding. */
  private static List<String> math(
      PtxF64Math.Fn fn, DType out, String dst, List<String> ops, PtxRegisters regs) {
    return out == DType.F64
        ? PtxF64Math.lower(fn, dst, ops, regs)
        : PtxF64Math.lowerF32(fn, dst, ops, regs);
  }

  private static UnsupportedOperationException unsupported(KernelExpression.Temp t, String why) {
    return new UnsupportedOperationException(
        "cannot lower " + t.primitive().displayName() + " (" + t.dtype() + ") to PTX: " + why);
  }

  // ---- integers (I32, I64): Java's two's-complement arithmetic and casts ----

  /**
   * PTX for a temporary that produces or reads I32/I64 values, with Java's semantics: add, sub and
   * mul wrap around; neg and abs of the minimum value give the minimum value; conversions from
   * floating types truncate toward zero, saturate, and give 0 for NaN (made explicit here rather
   * than relying on cvt's handling of NaN); to BOOL is "not zero". Null when no operand or result
   * is an integer (the floating table below applies). There is no integer division: core's div is
   * floating only.
   */
  private static List<String> lowerInteger(
      KernelExpression.Temp t, String dst, List<String> ops, PtxRegisters regs) {
    DType out = t.dtype();
    boolean integer = out.isInteger();
    for (DType d : t.operandTypes()) {
      integer |= d.isInteger();
    }
    if (!integer) {
      return null;
    }
    Primitive p = t.primitive();
    if (p == Convert.CONVERT) {
      return convertInteger(t, t.operandTypes().get(0), out, dst, ops.get(0), regs);
    }
    for (DType d : t.operandTypes()) {
      if (d != out && !(p == Select.SELECT && d == DType.BOOL) && !(p instanceof Compare)) {
        throw unsupported(t, "mixed operand dtypes");
      }
    }
    if (p instanceof Compare c) {
      DType in = t.operandTypes().get(0);
      if (t.operandTypes().get(1) != in) {
        throw unsupported(t, "mixed operand dtypes");
      }
      return compare(c, in, dst, ops.get(0), ops.get(1));
    }
    String s = suffix(out);
    if (p == Select.SELECT) {
      return select(s, dst, ops);
    }
    if (p instanceof Binary b) {
      String a = ops.get(0);
      String c = ops.get(1);
      return switch (b) {
        case ADD -> List.of("add." + s + " " + dst + ", " + a + ", " + c + ";");
        case SUB -> List.of("sub." + s + " " + dst + ", " + a + ", " + c + ";");
        case MUL -> List.of("mul.lo." + s + " " + dst + ", " + a + ", " + c + ";");
        case MAX -> List.of("max." + s + " " + dst + ", " + a + ", " + c + ";");
        case MIN -> List.of("min." + s + " " + dst + ", " + a + ", " + c + ";");
        default -> throw unsupported(t, b.displayName() + " is floating only");
      };
    }
    if (p instanceof Unary u) {
      String a = ops.get(0);
      return switch (u) {
        case NEG -> List.of("sub." + s + " " + dst + ", 0, " + a + ";");
        case ABS -> {
          String negated = regs.of(out);
          String negative = regs.pred();
          yield List.of(
              "sub." + s + " " + negated + ", 0, " + a + ";",
              "setp.lt." + s + " " + negative + ", " + a + ", 0;",
              "selp." + s + " " + dst + ", " + negated + ", " + a + ", " + negative + ";");
        }
        case SIGN -> {
          String positive = regs.pred();
          String negative = regs.pred();
          String up = regs.of(out);
          String down = regs.of(out);
          yield List.of(
              "setp.gt." + s + " " + positive + ", " + a + ", 0;",
              "setp.lt." + s + " " + negative + ", " + a + ", 0;",
              "selp." + s + " " + up + ", 1, 0, " + positive + ";",
              "selp." + s + " " + down + ", 1, 0, " + negative + ";",
              "sub." + s + " " + dst + ", " + up + ", " + down + ";");
        }
        default -> throw unsupported(t, u.displayName() + " is floating only");
      };
    }
    throw unsupported(t, p.displayName() + " of integers is not lowered to PTX");
  }

  /** Java's casts between integers and the other dtypes. */
  private static List<String> convertInteger(
      KernelExpression.Temp t, DType from, DType to, String dst, String a, PtxRegisters regs) {
    if (from == to) {
      return List.of("mov." + suffix(to) + " " + dst + ", " + a + ";");
    }
    if (from == DType.I32 && to == DType.I64) {
      return List.of("cvt.s64.s32 " + dst + ", " + a + ";");
    }
    if (from == DType.I64 && to == DType.I32) {
      return List.of("cvt.u32.u64 " + dst + ", " + a + ";"); // the low 32 bits, as (int) long
    }
    if (from.isInteger() && to.isFloating()) {
      return List.of("cvt.rn." + suffix(to) + "." + suffix(from) + " " + dst + ", " + a + ";");
    }
    if (from.isFloating()) {
      // truncation toward zero; cvt saturates float-to-integer conversions; NaN made 0 explicitly
      String truncated = regs.of(to);
      String nan = regs.pred();
      return List.of(
          "cvt.rzi." + suffix(to) + "." + suffix(from) + " " + truncated + ", " + a + ";",
          "setp.nan." + suffix(from) + " " + nan + ", " + a + ", " + a + ";",
          "selp." + suffix(to) + " " + dst + ", 0, " + truncated + ", " + nan + ";");
    }
    if (from == DType.BOOL) {
      return List.of("selp." + suffix(to) + " " + dst + ", 1, 0, " + a + ";");
    }
    if (to == DType.BOOL) {
      return List.of("setp.ne." + suffix(from) + " " + dst + ", " + a + ", 0;");
    }
    throw unsupported(t, "conversion " + from + " -> " + to + " is not lowered");
  }

  /** One step of an integer sum/max/min reduction (wrapping sum, as Java's). */
  static String integerCombine(org.vmap4j.prim.Reduce r, DType t, String dst, String a, String b) {
    String op =
        switch (r) {
          case REDUCE_SUM -> "add.";
          case REDUCE_MAX -> "max.";
          case REDUCE_MIN -> "min.";
        };
    return op + suffix(t) + " " + dst + ", " + a + ", " + b + ";";
  }
}
