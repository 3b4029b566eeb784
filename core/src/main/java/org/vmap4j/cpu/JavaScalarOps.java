package org.vmap4j.cpu;

import static org.vmap4j.kernel.ScalarOp.*;

import java.util.List;
import java.util.function.Function;
import org.vmap4j.DType;
import org.vmap4j.kernel.Monoid;
import org.vmap4j.kernel.ScalarOp;
import org.vmap4j.kernel.ScalarOpTable;
import org.vmap4j.kernel.ScalarStep;

/**
 * The CPU backend's renderer of scalar operations: one Java expression per {@link ScalarOp}, over
 * operand expressions, compiled by Janino into the loops of {@link ElementwiseKernels}, {@link
 * FusedReductions} and {@link Reductions}. Eager evaluation and jitted kernels render through this
 * one table, so they compute bit-identical results. Transcendentals call {@code java.lang.Math} in
 * double and round F32 results once (correctly rounded where Math is; F32 exp and erf are within 1
 * ulp of the rounded double result, {@link #expForFloat} and {@code ErrorFunction.erfForFloat}).
 */
public final class JavaScalarOps {
  private JavaScalarOps() {}

  /** One row: the Java expression of an operation with result dtype {@code out}. */
  @FunctionalInterface
  public interface Row {
    String render(DType out, List<DType> operandTypes, List<String> x);
  }

  /** Every scalar operation has a row: the CPU runs whatever the GPU does not. */
  public static final ScalarOpTable<Row> TABLE =
      ScalarOpTable.<Row>builder("cpu")
          .add(NEG, (t, in, x) -> "(-" + x.get(0) + ")")
          .add(ABS, (t, in, x) -> "Math.abs(" + x.get(0) + ")")
          .add(
              SIGN,
              (t, in, x) ->
                  switch (t) {
                    case I32 -> "Integer.signum(" + x.get(0) + ")";
                    case I64 -> "(long) Long.signum(" + x.get(0) + ")";
                    default -> "Math.signum(" + x.get(0) + ")";
                  })
          .add(
              EXP,
              (t, in, x) ->
                  t == DType.F32
                      // Math.exp's double precision is more than a float keeps (expForFloat)
                      ? "(float) org.vmap4j.cpu.JavaScalarOps.expForFloat(" + x.get(0) + ")"
                      : "Math.exp(" + x.get(0) + ")")
          .add(LOG, math(x -> "Math.log(" + x.get(0) + ")"))
          .add(LOG1P, math(x -> "Math.log1p(" + x.get(0) + ")"))
          .add(EXPM1, math(x -> "Math.expm1(" + x.get(0) + ")"))
          .add(SIN, math(x -> "Math.sin(" + x.get(0) + ")"))
          .add(COS, math(x -> "Math.cos(" + x.get(0) + ")"))
          .add(TANH, math(x -> "Math.tanh(" + x.get(0) + ")"))
          .add(LOGISTIC, math(x -> "1.0 / (1.0 + Math.exp(-" + x.get(0) + "))"))
          .add(SQRT, math(x -> "Math.sqrt(" + x.get(0) + ")"))
          .add(RSQRT, math(x -> "1.0 / Math.sqrt(" + x.get(0) + ")"))
          .add(
              ERF,
              (t, in, x) ->
                  t == DType.F32
                      // a float result needs half the terms (ErrorFunction.erfForFloat)
                      ? "(float) org.vmap4j.prim.ErrorFunction.erfForFloat(" + x.get(0) + ")"
                      : "org.vmap4j.prim.ErrorFunction.erf(" + x.get(0) + ")")
          .add(ADD, infix("+"))
          .add(SUB, infix("-"))
          .add(MUL, infix("*"))
          .add(DIV, infix("/"))
          .add(
              POW,
              math(x -> "org.vmap4j.cpu.JavaScalarOps.pow(" + x.get(0) + ", " + x.get(1) + ")"))
          .add(MAX, (t, in, x) -> "Math.max(" + x.get(0) + ", " + x.get(1) + ")")
          .add(MIN, (t, in, x) -> "Math.min(" + x.get(0) + ", " + x.get(1) + ")")
          .add(LT, infix("<"))
          .add(LE, infix("<="))
          .add(GT, infix(">"))
          .add(GE, infix(">="))
          .add(EQ, infix("=="))
          .add(NE, infix("!="))
          .add(SELECT, JavaScalarOps::select)
          .add(CONVERT, (t, in, x) -> convert(in.get(0), t, x.get(0)))
          .build();

  /** The Java expression of {@code op} over {@code operands} (of {@code operandTypes}). */
  public static String render(
      ScalarOp op, DType out, List<DType> operandTypes, List<String> operands) {
    Row row = TABLE.row(op);
    if (row == null) {
      throw new IllegalStateException(TABLE.missing(op));
    }
    return row.render(out, operandTypes, operands);
  }

  /** Java statements declaring each step's temporary, in order. */
  public static String statements(List<ScalarStep> steps) {
    StringBuilder sb = new StringBuilder();
    for (ScalarStep s : steps) {
      sb.append("      final ")
          .append(Storage.javaType(s.dtype()))
          .append(' ')
          .append(s.name())
          .append(" = ")
          .append(render(s.op(), s.dtype(), s.operandTypes(), s.operands()))
          .append(";\n");
    }
    return sb.toString();
  }

  /** The monoid's identity as a Java expression, cast to the accumulator's type by the caller. */
  static String identity(Monoid m) {
    double v = m.identity();
    return v == Double.NEGATIVE_INFINITY
        ? "Double.NEGATIVE_INFINITY"
        : v == Double.POSITIVE_INFINITY ? "Double.POSITIVE_INFINITY" : Double.toString(v);
  }

  /** {@code acc} combined with {@code v} by the monoid's operation. */
  static String combine(Monoid m, DType accumulator, String acc, String v) {
    return render(m.combine(), accumulator, List.of(accumulator, accumulator), List.of(acc, v));
  }

  /**
   * The dtype the CPU accumulates in: F64 for F32 sums (a float accumulator loses digits over long
   * rows), the element dtype otherwise. (The GPU sums F32 in F32 over a tree of partial sums.)
   */
  static DType accumulator(Monoid m, DType t) {
    return m == Monoid.SUM && t == DType.F32 ? DType.F64 : t;
  }

  /**
   * {@code c ? a : b}. For floating-point results the choice is made on the raw bits under an
   * all-ones or all-zeros mask: HotSpot compiles a float or double {@code ?:} to a branch (x86 has
   * no conditional move for vector registers), and ReLU's masks are true about half the time, so
   * the branch mispredicts on every other element (about 4.5 ns an element against under 1). The
   * bits chosen are exactly the operand's, NaN payloads and signed zeros included.
   */
  private static String select(DType t, List<DType> in, List<String> x) {
    String c = x.get(0);
    String a = x.get(1);
    String b = x.get(2);
    return switch (t) {
      case F32 -> bitSelect("Float.intBitsToFloat", "Float.floatToRawIntBits", "int", c, a, b);
      case F64 ->
          bitSelect("Double.longBitsToDouble", "Double.doubleToRawLongBits", "long", c, a, b);
      default -> "(" + c + " ? " + a + " : " + b + ")";
    };
  }

  /** {@code fromBits(bits(b) ^ ((bits(a) ^ bits(b)) & mask))}, mask all ones where c holds. */
  private static String bitSelect(
      String fromBits, String toBits, String bitsType, String c, String a, String b) {
    String bitsA = toBits + "(" + a + ")";
    String bitsB = toBits + "(" + b + ")";
    return fromBits
        + "("
        + bitsB
        + " ^ (("
        + bitsA
        + " ^ "
        + bitsB
        + ") & -(("
        + bitsType
        + ") ("
        + c
        + " ? 1 : 0))))";
  }

  /** Java's casts; to BOOL is "not zero", from BOOL is 0 or 1. */
  private static String convert(DType from, DType to, String x) {
    if (from == to) {
      return x;
    }
    if (to == DType.BOOL) {
      return "(" + x + " != 0)";
    }
    if (from == DType.BOOL) {
      return "((" + Storage.javaType(to) + ") (" + x + " ? 1 : 0))";
    }
    return "((" + Storage.javaType(to) + ") " + x + ")";
  }

  private static Row infix(String operator) {
    return (t, in, x) -> "(" + x.get(0) + " " + operator + " " + x.get(1) + ")";
  }

  /**
   * {@code Math.pow(x, y)}, with the exponents autodiff writes most ({@code -1}: the derivative of
   * a division, which softmax's backward applies to every score; {@code 2}) taken by one correctly
   * rounded operation instead of a general power (about 14 ns an element). Called from generated
   * kernels, hence public.
   */
  public static double pow(double x, double y) {
    if (y == -1) {
      return 1 / x; // pow(±0, -1) = ±inf, pow(±inf, -1) = ±0, NaN stays NaN: as 1/x
    }
    if (y == 2) {
      return x * x;
    }
    return Math.pow(x, y);
  }

  private static final double LOG2_E = 1.4426950408889634;
  private static final double LN_2 = 0.6931471805599453;

  /** {@code 1/k!} for k = 0..8: the Taylor polynomial of e^r, enough for |r| &le; ln2/2. */
  private static final double[] EXP_TAYLOR = {
    1, 1, 1 / 2.0, 1 / 6.0, 1 / 24.0, 1 / 120.0, 1 / 720.0, 1 / 5040.0, 1 / 40320.0
  };

  /**
   * e^x accurate enough for a float result: {@code (float) expForFloat(x)} is within 1 float ulp of
   * {@code (float) Math.exp(x)} (checked for every third float of [-103, 88.7] once: 13254 differ,
   * by 1 ulp; {@code FloatTranscendentalsTest} checks a sample). {@code e^x = 2^n e^r} with {@code
   * n = rint(x log2 e)}, {@code |r| <= ln2/2} and a degree-8 Taylor polynomial (its remainder is
   * under 3e-10, against float's 6e-8 ulp); about half Math.exp's time on the machine measured (7.5
   * against 16 ms for a million, docs/performance.md). Outside (-104, 89), where the float is 0,
   * subnormal-rounded or infinite, and for NaN, it is Math.exp. Called from generated kernels.
   */
  public static double expForFloat(double x) {
    if (!(x > -104 && x < 89)) {
      return Math.exp(x);
    }
    double n = Math.rint(x * LOG2_E);
    double r = x - n * LN_2;
    double p = EXP_TAYLOR[8];
    for (int k = 7; k >= 0; k--) {
      p = p * r + EXP_TAYLOR[k];
    }
    return p * Double.longBitsToDouble((long) (n + 1023) << 52);
  }

  /**
   * A {@code double}-valued {@code java.lang.Math} expression of the operands, narrowed back to
   * float for F32.
   */
  private static Row math(Function<List<String>, String> doubleExpression) {
    return (t, in, x) -> {
      String e = doubleExpression.apply(x);
      return t == DType.F32 ? "(float) (" + e + ")" : e;
    };
  }
}
