package org.vmap4j.gpu.ptx;

import static org.vmap4j.gpu.ptx.PtxRegisters.constant;
import static org.vmap4j.gpu.ptx.PtxRegisters.suffix;
import static org.vmap4j.kernel.ScalarOp.*;

import java.util.ArrayList;
import java.util.List;
import org.vmap4j.DType;
import org.vmap4j.kernel.ScalarOp;
import org.vmap4j.kernel.ScalarOpTable;
import org.vmap4j.kernel.ScalarStep;

/**
 * The GPU backend's renderer of scalar operations ({@link #TABLE}, one row per {@link ScalarOp}):
 * the one place for the PTX form of each operation. Core stays free of CUDA, so this table lives
 * here; a row says which dtypes it lowers as a value (placement runs the rest on the CPU).
 *
 * <p>Accuracy: the CPU computes F32 transcendentals in double and rounds, so they are correctly
 * rounded; here F32 {@code exp}, {@code logistic} and {@code tanh} are built from the hardware's
 * {@code ex2.approx} with the argument's rounding error compensated (a few ulp), {@code tanh} uses
 * its Taylor polynomial below 0.6 (no cancellation near 0), {@code sin}/{@code cos} reduce the
 * argument modulo 2π before {@code sin.approx}/{@code cos.approx} (absolute error about 1e-6). F32
 * {@code log}, {@code log1p}, {@code expm1} and {@code pow} go through the f64 routines of {@link
 * PtxF64Math} and round once, as the CPU does (within an ulp of the CPU's result); so does F32
 * {@code erf}. Every F64 transcendental (there is no hardware instruction for any) is a software
 * routine of {@link PtxF64Math}, within a few ulp of StrictMath. Add, subtract and multiply carry
 * {@code .rn}, which stops ptxas from contracting them into fused multiply-adds the CPU does not
 * do.
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

  /** How one row computes its operation, once its dtypes are known to be lowered. */
  @FunctionalInterface
  interface Lower {
    List<String> lower(DType out, String dst, List<String> ops, PtxRegisters regs);
  }

  /** One row of the table: which dtypes it lowers, and how. */
  interface Row {
    /** Why this row does not lower these dtypes; null when it does. */
    String unsupported(DType out, List<DType> operandTypes);

    List<String> lower(
        DType out, List<DType> operandTypes, String dst, List<String> ops, PtxRegisters regs);
  }

  /**
   * The GPU backend's renderer of scalar operations: one row per {@link ScalarOp}, each with its
   * floating and integer (Java's two's-complement) forms.
   */
  static final ScalarOpTable<Row> TABLE =
      ScalarOpTable.<Row>builder("cuda")
          .add(
              NEG,
              numeric(
                  (t, d, o, r) -> List.of("neg." + suffix(t) + " " + d + ", " + o.get(0) + ";"),
                  (t, d, o, r) -> List.of("sub." + suffix(t) + " " + d + ", 0, " + o.get(0) + ";")))
          .add(
              ABS,
              numeric(
                  (t, d, o, r) -> List.of("abs." + suffix(t) + " " + d + ", " + o.get(0) + ";"),
                  (t, d, o, r) -> integerAbs(t, d, o.get(0), r)))
          .add(
              SIGN,
              numeric(
                  (t, d, o, r) -> sign(t, d, o.get(0), r),
                  (t, d, o, r) -> integerSign(t, d, o.get(0), r)))
          .add(
              SQRT,
              floatingOnly(
                  (t, d, o, r) ->
                      List.of("sqrt.rn." + suffix(t) + " " + d + ", " + o.get(0) + ";")))
          .add(
              RSQRT,
              floatingOnly(
                  (t, d, o, r) -> {
                    String q = r.of(t);
                    return List.of(
                        "sqrt.rn." + suffix(t) + " " + q + ", " + o.get(0) + ";",
                        "rcp.rn." + suffix(t) + " " + d + ", " + q + ";");
                  }))
          .add(
              EXP,
              floatingOnly(
                  (t, d, o, r) ->
                      t == DType.F32 ? exp(d, o.get(0), r) : math(PtxF64Math.Fn.EXP, t, d, o, r)))
          // f32 too: lg2.approx alone has a poor relative accuracy near x = 1
          .add(LOG, floatingOnly((t, d, o, r) -> math(PtxF64Math.Fn.LOG, t, d, o, r)))
          .add(LOG1P, floatingOnly((t, d, o, r) -> math(PtxF64Math.Fn.LOG1P, t, d, o, r)))
          .add(EXPM1, floatingOnly((t, d, o, r) -> math(PtxF64Math.Fn.EXPM1, t, d, o, r)))
          .add(
              SIN,
              floatingOnly(
                  (t, d, o, r) ->
                      t == DType.F32
                          ? sinCos("sin", d, o.get(0), r)
                          : math(PtxF64Math.Fn.SIN, t, d, o, r)))
          .add(
              COS,
              floatingOnly(
                  (t, d, o, r) ->
                      t == DType.F32
                          ? sinCos("cos", d, o.get(0), r)
                          : math(PtxF64Math.Fn.COS, t, d, o, r)))
          .add(
              TANH,
              floatingOnly(
                  (t, d, o, r) ->
                      t == DType.F32 ? tanh(d, o.get(0), r) : math(PtxF64Math.Fn.TANH, t, d, o, r)))
          .add(
              LOGISTIC,
              floatingOnly(
                  (t, d, o, r) ->
                      t == DType.F32
                          ? logistic(d, o.get(0), r)
                          : math(PtxF64Math.Fn.LOGISTIC, t, d, o, r)))
          .add(ERF, floatingOnly((t, d, o, r) -> math(PtxF64Math.Fn.ERF, t, d, o, r)))
          .add(ADD, numeric(instruction("add.rn"), instruction("add")))
          .add(SUB, numeric(instruction("sub.rn"), instruction("sub")))
          .add(MUL, numeric(instruction("mul.rn"), instruction("mul.lo")))
          .add(DIV, floatingOnly(instruction("div.rn")))
          .add(POW, floatingOnly((t, d, o, r) -> math(PtxF64Math.Fn.POW, t, d, o, r)))
          .add(
              MAX,
              numeric(
                  (t, d, o, r) -> maxMin("max", t, d, o.get(0), o.get(1), r), instruction("max")))
          .add(
              MIN,
              numeric(
                  (t, d, o, r) -> maxMin("min", t, d, o.get(0), o.get(1), r), instruction("min")))
          .add(comparison("lt"), LT)
          .add(comparison("le"), LE)
          .add(comparison("gt"), GT)
          .add(comparison("ge"), GE)
          .add(comparison("eq"), EQ)
          .add(comparison("ne"), NE)
          .add(SELECT, new SelectRow())
          .add(CONVERT, new ConvertRow())
          .build();

  /** PTX lines computing {@code dst} (a register) from operand registers. */
  static List<String> lower(ScalarStep t, String dst, List<String> ops, PtxRegisters regs) {
    String why = unsupported(t);
    if (why != null) {
      throw new IllegalArgumentException(why);
    }
    return TABLE.row(t.op()).lower(t.dtype(), t.operandTypes(), dst, ops, regs);
  }

  /** Why {@code t} is not lowered to PTX, or null when it is. */
  static String unsupported(ScalarStep t) {
    Row row = TABLE.row(t.op());
    String why = row == null ? TABLE.missing(t.op()) : row.unsupported(t.dtype(), t.operandTypes());
    return why == null
        ? null
        : "cannot lower "
            + t.op().name().toLowerCase(java.util.Locale.ROOT)
            + " ("
            + t.dtype()
            + ") to PTX: "
            + why;
  }

  /** Operations of one numeric dtype (operands and result); null {@code integer}: floating only. */
  private static Row numeric(Lower floating, Lower integer) {
    return new Row() {
      @Override
      public String unsupported(DType out, List<DType> in) {
        for (DType d : in) {
          if (d != out) {
            return "mixed operand dtypes";
          }
        }
        if (out.isInteger()) {
          return integer == null ? "floating only" : null;
        }
        return out.isFloating() ? null : "only f32 and f64 arithmetic is lowered";
      }

      @Override
      public List<String> lower(
          DType out, List<DType> in, String dst, List<String> ops, PtxRegisters regs) {
        return (out.isInteger() ? integer : floating).lower(out, dst, ops, regs);
      }
    };
  }

  private static Row floatingOnly(Lower floating) {
    return numeric(floating, null);
  }

  /** {@code <op>.<type> dst, a, b;} ({@code op} carries its rounding or {@code .lo}). */
  private static Lower instruction(String op) {
    return (t, d, o, r) ->
        List.of(op + "." + suffix(t) + " " + d + ", " + o.get(0) + ", " + o.get(1) + ";");
  }

  /** A comparison of two operands of one numeric dtype; see {@link #compare}. */
  private static Row comparison(String op) {
    return new Row() {
      @Override
      public String unsupported(DType out, List<DType> in) {
        if (in.get(0) != in.get(1)) {
          return "mixed operand dtypes";
        }
        return in.get(0) == DType.BOOL ? "comparisons of bool are not lowered" : null;
      }

      @Override
      public List<String> lower(
          DType out, List<DType> in, String dst, List<String> ops, PtxRegisters regs) {
        return compare(op, in.get(0), dst, ops.get(0), ops.get(1));
      }
    };
  }

  /** {@code select(pred, onTrue, onFalse)} of numeric values. */
  private static final class SelectRow implements Row {
    @Override
    public String unsupported(DType out, List<DType> in) {
      return in.get(1) != out || in.get(2) != out ? "mixed operand dtypes" : null;
    }

    @Override
    public List<String> lower(
        DType out, List<DType> in, String dst, List<String> ops, PtxRegisters regs) {
      if (out == DType.BOOL) {
        // selp has no predicate form: (c and a) or (not c and b)
        String onTrue = regs.pred();
        String onFalse = regs.pred();
        return List.of(
            "and.pred " + onTrue + ", " + ops.get(0) + ", " + ops.get(1) + ";",
            "not.pred " + onFalse + ", " + ops.get(0) + ";",
            "and.pred " + onFalse + ", " + onFalse + ", " + ops.get(2) + ";",
            "or.pred " + dst + ", " + onTrue + ", " + onFalse + ";");
      }
      return select(suffix(out), dst, ops);
    }
  }

  /** Java's casts between any two of F32, F64, I32, I64 and BOOL. */
  private static final class ConvertRow implements Row {
    @Override
    public String unsupported(DType out, List<DType> in) {
      return null;
    }

    @Override
    public List<String> lower(
        DType out, List<DType> in, String dst, List<String> ops, PtxRegisters regs) {
      DType from = in.get(0);
      return from.isInteger() || out.isInteger()
          ? convertInteger(from, out, dst, ops.get(0), regs)
          : convert(from, out, dst, ops.get(0));
    }
  }

  /** 1 / (1 + exp(-x)): no cancellation anywhere, so exp's accuracy carries over. */
  private static List<String> logistic(String dst, String a, PtxRegisters regs) {
    List<String> lines = new ArrayList<>();
    String m = regs.f32();
    String e = regs.f32();
    lines.add("neg.f32 " + m + ", " + a + ";");
    lines.addAll(exp(e, m, regs));
    lines.add("add.rn.f32 " + e + ", " + e + ", 0f3F800000;");
    lines.add("rcp.rn.f32 " + dst + ", " + e + ";");
    return lines;
  }

  private static List<String> convert(DType from, DType to, String dst, String a) {
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
    throw new IllegalArgumentException("conversion " + from + " -> " + to + " is not lowered");
  }

  /**
   * {@code setp} for a comparison of two {@code in} values. For floats, {@code ne} is the unordered
   * form: NaN != x is true, as in Java; every other comparison with NaN is false.
   */
  private static List<String> compare(String op, DType in, String dst, String a, String b) {
    String setp = op.equals("ne") && in.isFloating() ? "neu" : op;
    return List.of("setp." + setp + "." + suffix(in) + " " + dst + ", " + a + ", " + b + ";");
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

  // ---- integers (I32, I64): Java's two's-complement arithmetic and casts ----

  // Java's semantics: add, sub and mul wrap around; neg and abs of the minimum value give the
  // minimum value; conversions from floating types truncate toward zero, saturate, and give 0 for
  // NaN (made explicit here rather than relying on cvt's handling of NaN); to BOOL is "not zero".
  // There is no integer division: core's div is floating only.

  private static List<String> integerAbs(DType t, String dst, String a, PtxRegisters regs) {
    String s = suffix(t);
    String negated = regs.of(t);
    String negative = regs.pred();
    return List.of(
        "sub." + s + " " + negated + ", 0, " + a + ";",
        "setp.lt." + s + " " + negative + ", " + a + ", 0;",
        "selp." + s + " " + dst + ", " + negated + ", " + a + ", " + negative + ";");
  }

  private static List<String> integerSign(DType t, String dst, String a, PtxRegisters regs) {
    String s = suffix(t);
    String positive = regs.pred();
    String negative = regs.pred();
    String up = regs.of(t);
    String down = regs.of(t);
    return List.of(
        "setp.gt." + s + " " + positive + ", " + a + ", 0;",
        "setp.lt." + s + " " + negative + ", " + a + ", 0;",
        "selp." + s + " " + up + ", 1, 0, " + positive + ";",
        "selp." + s + " " + down + ", 1, 0, " + negative + ";",
        "sub." + s + " " + dst + ", " + up + ", " + down + ";");
  }

  /** Java's casts between integers and the other dtypes. */
  private static List<String> convertInteger(
      DType from, DType to, String dst, String a, PtxRegisters regs) {
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
    throw new IllegalArgumentException("conversion " + from + " -> " + to + " is not lowered");
  }
}
