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

    /**
     * The operation's Vector API form ({@link VectorKernels}), or null when it has none: a kernel
     * using it then runs its scalar loop.
     */
    default VectorRow vector() {
      return null;
    }
  }

  /**
   * The Vector API form of a row: the expression of the result vector (a {@code FloatVector} or
   * {@code DoubleVector} of the kernel's lanes, a {@code VectorMask} for BOOL) over the operands'
   * vectors {@code x}, with any statements it needs written to {@code code}; or null when the form
   * does not cover these dtypes. A vector form computes each lane exactly as the scalar form does
   * (bit for bit), except where its row's comment states a bound.
   */
  @FunctionalInterface
  public interface VectorRow {
    String render(VectorCode code, DType out, List<DType> operandTypes, List<String> x);
  }

  /** {@code scalar} with its Vector API form {@code vector}. */
  private static Row vectorized(Row scalar, VectorRow vector) {
    return new Row() {
      @Override
      public String render(DType out, List<DType> operandTypes, List<String> x) {
        return scalar.render(out, operandTypes, x);
      }

      @Override
      public VectorRow vector() {
        return vector;
      }
    };
  }

  /** Every scalar operation has a row: the CPU runs whatever the GPU does not. */
  public static final ScalarOpTable<Row> TABLE =
      ScalarOpTable.<Row>builder("cpu")
          .add(NEG, vectorized((t, in, x) -> "(-" + x.get(0) + ")", lanewise("neg")))
          .add(ABS, vectorized((t, in, x) -> "Math.abs(" + x.get(0) + ")", lanewise("abs")))
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
              vectorized(
                  (t, in, x) ->
                      t == DType.F32
                          // Math.exp's double precision is more than a float keeps (expForFloat)
                          ? "(float) org.vmap4j.cpu.JavaScalarOps.expForFloat(" + x.get(0) + ")"
                          : "Math.exp(" + x.get(0) + ")",
                  (c, t, in, x) -> t == DType.F32 ? expForFloats(c, x.get(0)) : null))
          .add(LOG, math(x -> "Math.log(" + x.get(0) + ")"))
          .add(LOG1P, math(x -> "Math.log1p(" + x.get(0) + ")"))
          .add(EXPM1, math(x -> "Math.expm1(" + x.get(0) + ")"))
          .add(SIN, math(x -> "Math.sin(" + x.get(0) + ")"))
          .add(COS, math(x -> "Math.cos(" + x.get(0) + ")"))
          .add(TANH, math(x -> "Math.tanh(" + x.get(0) + ")"))
          .add(LOGISTIC, math(x -> "1.0 / (1.0 + Math.exp(-" + x.get(0) + "))"))
          // a float square root is correctly rounded, as the double one narrowed (53 >= 2*24 + 2)
          .add(SQRT, vectorized(math(x -> "Math.sqrt(" + x.get(0) + ")"), lanewise("sqrt")))
          .add(
              RSQRT,
              vectorized(
                  math(x -> "1.0 / Math.sqrt(" + x.get(0) + ")"), JavaScalarOps::rsqrtVector))
          .add(
              ERF,
              vectorized(
                  (t, in, x) ->
                      t == DType.F32
                          // a float result needs half the terms (ErrorFunction.erfForFloat)
                          ? "(float) org.vmap4j.prim.ErrorFunction.erfForFloat(" + x.get(0) + ")"
                          : "org.vmap4j.prim.ErrorFunction.erf(" + x.get(0) + ")",
                  // within 1 ulp of (float) erf(x), as erfForFloat (VectorErf)
                  (c, t, in, x) -> t == DType.F32 ? VectorErf.ofFloats(c, x.get(0)) : null))
          .add(ADD, vectorized(infix("+"), lanewise("add")))
          .add(SUB, vectorized(infix("-"), lanewise("sub")))
          .add(MUL, vectorized(infix("*"), lanewise("mul")))
          .add(DIV, vectorized(infix("/"), lanewise("div")))
          .add(
              POW,
              vectorized(
                  math(x -> "org.vmap4j.cpu.JavaScalarOps.pow(" + x.get(0) + ", " + x.get(1) + ")"),
                  JavaScalarOps::powVector))
          // the Vector API's max and min are Math.max and Math.min, NaN and signed zeros included
          .add(
              MAX,
              vectorized(
                  (t, in, x) -> "Math.max(" + x.get(0) + ", " + x.get(1) + ")", lanewise("max")))
          .add(
              MIN,
              vectorized(
                  (t, in, x) -> "Math.min(" + x.get(0) + ", " + x.get(1) + ")", lanewise("min")))
          .add(LT, vectorized(infix("<"), compare("LT")))
          .add(LE, vectorized(infix("<="), compare("LE")))
          .add(GT, vectorized(infix(">"), compare("GT")))
          .add(GE, vectorized(infix(">="), compare("GE")))
          .add(EQ, vectorized(infix("=="), compare("EQ")))
          .add(NE, vectorized(infix("!="), compare("NE")))
          .add(SELECT, vectorized(JavaScalarOps::select, JavaScalarOps::selectVector))
          .add(
              CONVERT,
              vectorized(
                  (t, in, x) -> convert(in.get(0), t, x.get(0)), JavaScalarOps::convertVector))
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

  /**
   * {@code x0.method(x1, ...)}: a lane-wise Vector API operation on operands and result of the
   * kernel's floating-point lane type, exact as the Java operator or Math method of the scalar row.
   */
  private static VectorRow lanewise(String method) {
    return (c, t, in, x) -> {
      if (t != c.lanes() || !in.stream().allMatch(d -> d == t)) {
        return null;
      }
      return x.get(0) + "." + method + "(" + String.join(", ", x.subList(1, x.size())) + ")";
    };
  }

  /** A comparison of two floating-point vectors, to a mask (Java's: false with NaN but for NE). */
  private static VectorRow compare(String operator) {
    return (c, t, in, x) ->
        in.get(0) == c.lanes() && in.get(1) == c.lanes()
            ? x.get(0) + ".compare(" + VectorCode.OPS + operator + ", " + x.get(1) + ")"
            : null;
  }

  /**
   * {@code x0 ? x1 : x2} by lanes: the chosen lane's bits, as the scalar {@link #select}. It makes
   * its kernel a vector loop ({@link VectorCode#replacesScalarCall}) like a call would: HotSpot 17
   * does not vectorize the scalar bit select, whose mask is a {@code boolean[]} (bytes) beside
   * float or double lanes. Measured: 1M F32 elements of ReLU's select took 1.33 ms as the scalar
   * loop and 0.36 ms as a Vector API blend (scratch loop, best of 300, CPU time); ReLU's select and
   * its VJP were the CNN's three largest generated kernels, about 16% of JFR samples of its
   * per-sample norms (docs/performance.md, "The CNN rows, kernel work").
   */
  private static String selectVector(VectorCode c, DType t, List<DType> in, List<String> x) {
    if (t != c.lanes()) {
      return null;
    }
    c.replacesScalarCall();
    return x.get(2) + ".blend(" + x.get(1) + ", " + x.get(0) + ")";
  }

  /** BOOL to 0 or 1 of the kernel's lanes, or no conversion; others have no vector form. */
  private static String convertVector(VectorCode c, DType t, List<DType> in, List<String> x) {
    if (in.get(0) == t) {
      return x.get(0);
    }
    if (in.get(0) == DType.BOOL && t == c.lanes()) {
      String one = t == DType.F32 ? "1f" : "1d";
      String zero = t == DType.F32 ? "0f" : "0d";
      return c.broadcast(t, zero) + ".blend(" + c.broadcast(t, one) + ", " + x.get(0) + ")";
    }
    return null;
  }

  /**
   * {@code 1 / sqrt(x)}. F32 widens to doubles and narrows the quotient once, as the scalar row; a
   * float square root and division would round twice.
   */
  private static String rsqrtVector(VectorCode c, DType t, List<DType> in, List<String> x) {
    if (t != c.lanes()) {
      return null;
    }
    String d = t == DType.F32 ? c.toDoubles(x.get(0)) : x.get(0);
    String q = c.let(DType.F64, c.broadcast(1.0) + ".div(" + d + ".sqrt())");
    return t == DType.F32 ? c.toFloats(q) : q;
  }

  /**
   * {@link #pow} by lanes, for the exponents -1 and 2 only (autodiff's): {@code 1/x} and {@code
   * x*x} in the lane type are what the scalar row's double computation rounds to (one correctly
   * rounded operation each). A group with another exponent runs the scalar loop.
   */
  private static String powVector(VectorCode c, DType t, List<DType> in, List<String> x) {
    if (t != c.lanes() || in.get(1) != t) {
      return null;
    }
    String minusOne = t == DType.F32 ? "-1f" : "-1d";
    String two = t == DType.F32 ? "2f" : "2d";
    String reciprocal =
        c.let(DType.BOOL, x.get(1) + ".compare(" + VectorCode.OPS + "EQ, " + minusOne + ")");
    String square = c.let(DType.BOOL, x.get(1) + ".compare(" + VectorCode.OPS + "EQ, " + two + ")");
    c.require(reciprocal + ".or(" + square + ")");
    String one = c.broadcast(t, t == DType.F32 ? "1f" : "1d");
    return c.cast(t, x.get(0) + ".mul(" + x.get(0) + ")")
        + ".blend("
        + one
        + ".div("
        + x.get(0)
        + "), "
        + reciprocal
        + ")";
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
   * {@link #expForFloat} by lanes, bit for bit: the float vector {@code x} widened to doubles, the
   * same reduction and Horner steps (multiply, then add: no fused multiply-add), narrowed back.
   * {@code rint} is adding and subtracting 1.5·2^52, which rounds to the nearest even integer as
   * rint does for |x log2 e| &lt; 2^51; 2^n is the bits of {@code n + 1023 + 2^52} shifted into the
   * exponent field. Lanes outside (-104, 89) and NaN take the scalar loop (Math.exp).
   */
  private static String expForFloats(VectorCode c, String x) {
    c.replacesScalarCall();
    String d = c.toDoubles(x);
    String ops = VectorCode.OPS;
    c.require(d + ".compare(" + ops + "GT, -104d).and(" + d + ".compare(" + ops + "LT, 89d))");
    String scaled = c.let(DType.F64, d + ".mul(" + LOG2_E + "d)");
    String n = c.let(DType.F64, c.cast(DType.F64, scaled + ".add(0x1.8p52d)") + ".sub(0x1.8p52d)");
    String r = c.let(DType.F64, d + ".sub(" + c.cast(DType.F64, n + ".mul(" + LN_2 + "d)") + ")");
    String p = c.broadcast(EXP_TAYLOR[8]);
    for (int k = 7; k >= 0; k--) {
      p =
          c.let(
              DType.F64, c.cast(DType.F64, p + ".mul(" + r + ")") + ".add(" + EXP_TAYLOR[k] + "d)");
    }
    String scale =
        c.let(
            DType.F64,
            c.cast(DType.F64, n + ".add(" + (0x1p52 + 1023) + "d)")
                + ".reinterpretAsLongs().lanewise("
                + ops
                + "LSHL, 52L).reinterpretAsDoubles()");
    return c.toFloats(c.let(DType.F64, p + ".mul(" + scale + ")"));
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
