package org.vmap4j.gpu.ptx;

import static org.vmap4j.gpu.ptx.PtxRegisters.constant;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import org.vmap4j.DType;

/**
 * Software double-precision transcendentals in PTX, which has no f64 instruction for them. Every
 * routine is straight-line code (special values and ranges are chosen with {@code selp}, so the
 * threads of a warp never diverge) built from correctly rounded {@code add/sub/mul/div/fma.rn} and
 * exact bit manipulation. The methods are textbook ones; the coefficients are Taylor coefficients
 * computed here with {@link BigDecimal}, used to a degree where the truncation error is far below
 * an ulp:
 *
 * <ul>
 *   <li>exp, expm1: x = k·ln2 + r with |r| ≤ ln2/2, r carried as a double-double (Cody–Waite with a
 *       41-bit ln2 so that k·ln2_hi is exact), expm1(r) by its Taylor polynomial to r^13, 2^k
 *       applied as two exact powers of two so that overflow and gradual underflow round once.
 *   <li>log, log1p: x = 2^e·m with m in [√2/2, √2], log(m) = 2·atanh(s), s = (m-1)/(m+1), summed in
 *       double-double arithmetic (the leading terms) to about 2^-70 relative, because pow needs
 *       that; log1p adds the rounding error of 1+x as a first-order correction.
 *   <li>pow: exp(y·log|x|) with the product and the exp argument in double-double, then Java's
 *       special cases ({@link Math#pow}) selected explicitly.
 *   <li>sin, cos: k = rint(x·2/π), r = x - k·π/2 with π/2 in three parts (33, 33, 53 bits;
 *       Cody–Waite) as a double-double, Taylor polynomials of sin and cos to r^21/r^22, the
 *       quadrant chosen from k. Products k·P1, k·P2 are exact for |k| < 2^20, i.e. |x| < 1.6e6,
 *       where the result is within a few ulp: the reduction's absolute error is about |k|·2^-119,
 *       so even the doubles nearest to multiples of π/2 come out correctly rounded. From there to
 *       |x| = 2^50 the absolute error is at most 2^-52 + |x|·2^-80; beyond about 2^51 the reduction
 *       is meaningless: the result is still a number in [-1, 1] (never NaN for finite x) but not
 *       sin/cos of x.
 *   <li>tanh(x) = -expm1(-2|x|) / (expm1(-2|x|) + 2) with the sign of x; logistic(x) = 1 / (1 +
 *       exp(-x)), the CPU's formula.
 *   <li>erf, the CPU's method ({@code org.vmap4j.prim.ErrorFunction}) without its tables in memory:
 *       for |x| &lt; 1 the Maclaurin series in x²; for 1 &le; |x| &lt; 6 the Taylor polynomial of
 *       erf about the nearest center c = 1 + i/8 (|h| &le; 1/16), whose derivatives are Hermite
 *       polynomials times a Gaussian, {@code erf^(k+1)(c) = 2/sqrt(pi) (-1)^k H_k(c) exp(-c²)}:
 *       erf(c) and exp(-c²) of the 41 centers are constants chosen with {@code selp}, H_0..H_12 at
 *       c follow from their recurrence at run time; beyond 6, ±1.
 * </ul>
 *
 * <p>The f32 forms of log, log1p, expm1 and pow use these routines on the operands widened to f64
 * and round once at the end ({@code cvt.rn.f32.f64}): that is exactly what the CPU does (it
 * evaluates f32 transcendentals in double and rounds), so the result is within an ulp of the CPU's,
 * with Java's special values, at no extra code. On the targets (A100, H100, H200: f64 at half the
 * f32 rate) element-wise kernels are usually memory bound, so this should cost little; not
 * measured. Measured accuracy: docs/gpu.md and {@code PtxF64MathTest}.
 */
final class PtxF64Math {
  /** The functions implemented here. */
  enum Fn {
    EXP,
    EXPM1,
    LOG,
    LOG1P,
    SIN,
    COS,
    TANH,
    LOGISTIC,
    POW,
    ERF
  }

  private static final MathContext MC = new MathContext(80);
  private static final BigDecimal LN2 =
      new BigDecimal("0.693147180559945309417232121458176568075500134360255254120680009493393");
  private static final BigDecimal PI =
      new BigDecimal("3.14159265358979323846264338327950288419716939937510582097494459230781640");

  /** ln2 with its low 12 fraction bits cleared (41 significant bits): k·LN2_HI is exact. */
  private static final double LN2_HI = clearLowBits(LN2.doubleValue(), 12);

  private static final double LN2_LO = LN2.subtract(new BigDecimal(LN2_HI)).doubleValue();
  private static final double INV_LN2 = BigDecimal.ONE.divide(LN2, MC).doubleValue();

  private static final BigDecimal HALF_PI = PI.divide(BigDecimal.valueOf(2), MC);
  private static final double TWO_OVER_PI = BigDecimal.ONE.divide(HALF_PI, MC).doubleValue();

  /** π/2 in three parts; the first two have 33 significant bits, so k·P for |k| < 2^20 is exact. */
  private static final double PIO2_1 = clearLowBits(HALF_PI.doubleValue(), 20);

  private static final double PIO2_2 =
      clearLowBits(HALF_PI.subtract(new BigDecimal(PIO2_1)).doubleValue(), 20);
  private static final double PIO2_3 =
      HALF_PI.subtract(new BigDecimal(PIO2_1)).subtract(new BigDecimal(PIO2_2)).doubleValue();

  /** expm1(r) = r + r²·(1/2! + r/3! + ... + r^11/13!). */
  private static final double[] EXPM1_TAIL = reciprocalFactorials(2, 1, 12);

  /** sin(r) = r + r³·(-1/3! + r²/5! - ... ) to r^21. */
  private static final double[] SIN_TAIL = alternating(reciprocalFactorials(3, 2, 10), -1);

  /** cos(r) = 1 - r²/2 + r⁴·(1/4! - r²/6! + ...) to r^22. */
  private static final double[] COS_TAIL = alternating(reciprocalFactorials(4, 2, 10), 1);

  /** 2·atanh(s)/(2s) = 1 + s²/3 + s⁴/5 + ...; the part from 1/7 on, in double (to s^20/27). */
  private static final double[] ATANH_TAIL = oddReciprocals(7, 11);

  /** (-1)^n / (n! (2n+1)), n = 0..19: erf(x) = 2/sqrt(pi) · x · Σ c_n x^(2n) for |x| &lt; 1. */
  private static final double[] ERF_MACLAURIN = erfMaclaurin(20);

  private static final int ERF_CENTERS_PER_UNIT = 8;
  private static final int ERF_CENTERS = 5 * ERF_CENTERS_PER_UNIT + 1;
  private static final int ERF_TAYLOR_TERMS = 14;

  /** erf(1 + i/8), i = 0..40, correctly rounded (from an 80-digit series). */
  private static final double[] ERF_AT_CENTER = erfAtCenters();

  private static final DD THIRD = DD.of(BigDecimal.ONE.divide(BigDecimal.valueOf(3), MC));
  private static final DD FIFTH = DD.of(BigDecimal.ONE.divide(BigDecimal.valueOf(5), MC));
  private static final double SQRT2 = Math.sqrt(2);
  private static final String NAN = "0d7FF8000000000000";
  private static final String POS_INF = "0d7FF0000000000000";
  private static final String NEG_INF = "0dFFF0000000000000";

  private final PtxRegisters regs;
  private final List<String> lines = new ArrayList<>();

  private PtxF64Math(PtxRegisters regs) {
    this.regs = regs;
  }

  /** PTX lines computing f64 {@code dst} = fn(operands) from f64 operand registers. */
  static List<String> lower(Fn fn, String dst, List<String> operands, PtxRegisters regs) {
    PtxF64Math m = new PtxF64Math(regs);
    String x = operands.get(0);
    String r =
        switch (fn) {
          case EXP -> m.exp(x);
          case EXPM1 -> m.expm1(x);
          case LOG -> m.log(x);
          case LOG1P -> m.log1p(x);
          case SIN -> m.sinCos(x, false);
          case COS -> m.sinCos(x, true);
          case TANH -> m.tanh(x);
          case LOGISTIC -> m.logistic(x);
          case POW -> m.pow(x, operands.get(1));
          case ERF -> m.erf(x);
        };
    m.lines.add("mov.f64 " + dst + ", " + r + ";");
    return m.lines;
  }

  /**
   * The f32 form: the operands widened to f64, {@link #lower}, and one rounding to f32, as the CPU
   * computes f32 transcendentals.
   */
  static List<String> lowerF32(Fn fn, String dst, List<String> operands, PtxRegisters regs) {
    List<String> out = new ArrayList<>();
    List<String> wide = new ArrayList<>();
    for (String o : operands) {
      String d = regs.f64();
      out.add("cvt.f64.f32 " + d + ", " + o + ";");
      wide.add(d);
    }
    String r = regs.f64();
    out.addAll(lower(fn, r, wide, regs));
    out.add("cvt.rn.f32.f64 " + dst + ", " + r + ";");
    return out;
  }

  // ---- the functions ---------------------------------------------------------------------

  private String exp(String x) {
    ExpParts e = reduceExp(x, null);
    String r = mul(mul(e.onePlusEm(), e.scaleA()), e.scaleB());
    return sel(x, r, isNan(x));
  }

  private String expm1(String x) {
    ExpParts e = reduceExp(x, null);
    String twoK = mul(e.scaleA(), e.scaleB());
    // 2^k·(1 + em) - 1 with one rounding; 2^k - 1 is exact while k ≤ 53
    String moderate = fma(twoK, e.em(), sub(twoK, k(1)));
    // above 40 the -1 no longer matters and 2^k alone could overflow before the product does
    String large = mul(mul(e.onePlusEm(), e.scaleA()), e.scaleB());
    String r = sel(large, moderate, cmp("gt", x, k(40)));
    // |x| < 2^-54: expm1(x) rounds to x (this also keeps the sign of -0)
    r = sel(x, r, cmp("lt", abs(x), k(0x1p-54)));
    return sel(x, r, isNan(x));
  }

  private String log(String x) {
    DD l = logOfPositive(x, null);
    String r = add(l.hi(), l.lo());
    return logSpecialValues(x, r);
  }

  private String log1p(String x) {
    String u = add(x, k(1));
    // 1 + x = u·(1 + c) with c = (x - (u - 1)) / u, the rounding error of u; log(1+c) ≈ c
    String c = div(sub(x, sub(u, k(1))), u);
    DD l = logOfPositive(u, c);
    String r = add(l.hi(), l.lo());
    r = sel(x, r, cmp("equ", x, POS_INF)); // NaN, +inf
    r = sel(NEG_INF, r, cmp("eq", x, k(-1)));
    r = sel(NAN, r, cmp("lt", x, k(-1)));
    // |x| < 2^-54: log1p(x) rounds to x (and -0 stays -0)
    return sel(x, r, cmp("lt", abs(x), k(0x1p-54)));
  }

  private String tanh(String x) {
    // tanh|x| = -e / (e + 2) with e = expm1(-2|x|) in (-1, 0]: no cancellation anywhere. Near
    // |x| = 0.5 an ulp of e is about 2 ulp of the result (measured worst: 3 ulp); refining the
    // division against the exact denominator did not reduce that, e itself would need to be a
    // double-double.
    String e = expm1(mul(abs(x), k(-2)));
    String t = div(neg(e), add(e, k(2)));
    return f("copysign.f64", x, t);
  }

  private String logistic(String x) {
    return div(k(1), add(k(1), exp(neg(x))));
  }

  private String pow(String x, String y) {
    String ax = abs(x);
    DD l = logOfPositive(ax, null);
    // y·log|x| as a double-double
    String ph = mul(y, l.hi());
    String pl = fma(y, l.lo(), fma(y, l.hi(), neg(ph)));
    ExpParts e = reduceExp(ph, pl);
    String r = mul(mul(e.onePlusEm(), e.scaleA()), e.scaleB());

    String yInt = cmp("eq", y, f("cvt.rzi.f64.f64", y)); // true for ±inf too
    String halfY = mul(y, k(0.5));
    String yOdd = p("and.pred", yInt, cmp("ne", halfY, f("cvt.rzi.f64.f64", halfY)));
    String yNegative = cmp("lt", y, k(0));
    String xSignBit = cmp("lt", f("copysign.f64", x, k(1)), k(0));
    // x = ±0 or ±inf: +0 or +inf by whether |x| is infinite xor y < 0
    String xZero = cmp("eq", x, k(0));
    String xInf = cmp("eq", ax, POS_INF);
    String zeroOrInf = sel(POS_INF, k(0), p("xor.pred", xInf, yNegative));
    r = sel(zeroOrInf, r, p("or.pred", xZero, xInf));
    // a negative x (sign bit set, zeros and infinities too) with an odd integer y: negative
    r = sel(neg(r), r, p("and.pred", xSignBit, yOdd));
    // a finite negative x with a non-integer y: NaN
    String finiteNegative = p("and.pred", cmp("lt", x, k(0)), p("not.pred", xInf));
    r = sel(NAN, r, p("and.pred", finiteNegative, p("not.pred", yInt)));
    // y = ±inf: |x| = 1 gives NaN; else +inf when (|x| > 1) == (y > 0), +0 otherwise
    String yInf = cmp("eq", abs(y), POS_INF);
    String grows = p("xor.pred", cmp("gt", ax, k(1)), yNegative);
    String infinite = sel(POS_INF, k(0), grows);
    infinite = sel(NAN, infinite, cmp("eq", ax, k(1)));
    r = sel(infinite, r, yInf);
    r = sel(NAN, r, p("setp.nan.f64", x, y));
    r = sel(x, r, cmp("eq", y, k(1)));
    return sel(k(1), r, cmp("eq", y, k(0)));
  }

  private String erf(String x) {
    String a = abs(x);
    // |x| < 1: the Maclaurin series
    String small = mul(k(2 / Math.sqrt(Math.PI)), mul(a, horner(mul(a, a), ERF_MACLAURIN)));
    // 1 <= |x| < 6: the nearest center c = 1 + i/8 and h = |x| - c, exact (Sterbenz)
    String i = f("cvt.rni.f64.f64", mul(sub(a, k(1)), k(ERF_CENTERS_PER_UNIT)));
    i = f("min.f64", f("max.f64", i, k(0)), k(ERF_CENTERS - 1));
    String c = fma(i, k(1.0 / ERF_CENTERS_PER_UNIT), k(1));
    String h = sub(a, c);
    String erfC = k(ERF_AT_CENTER[0]);
    String gauss = k(Math.exp(-1.0));
    for (int n = 1; n < ERF_CENTERS; n++) {
      double center = 1 + (double) n / ERF_CENTERS_PER_UNIT;
      String here = cmp("eq", i, k(n));
      erfC = sel(k(ERF_AT_CENTER[n]), erfC, here);
      gauss = sel(k(Math.exp(-center * center)), gauss, here);
    }
    // Hermite polynomials H_0..H_12 at c: H_{j+1} = 2c·H_j - 2j·H_{j-1}
    int terms = ERF_TAYLOR_TERMS - 1;
    String[] hermite = new String[terms];
    String twoC = add(c, c);
    hermite[0] = k(1);
    hermite[1] = twoC;
    for (int j = 1; j + 1 < terms; j++) {
      hermite[j + 1] = fma(twoC, hermite[j], mul(k(-2.0 * j), hermite[j - 1]));
    }
    // erf(c + h) = erf(c) + exp(-c²) · Σ_{k=1..13} 2/sqrt(pi) (-1)^(k-1) H_{k-1}(c) h^k / k!
    String poly = mul(k(taylorScale(terms)), hermite[terms - 1]);
    for (int kk = terms - 1; kk >= 1; kk--) {
      poly = fma(poly, h, mul(k(taylorScale(kk)), hermite[kk - 1]));
    }
    String mid = fma(mul(h, gauss), poly, erfC);
    String r = sel(small, sel(mid, k(1), cmp("lt", a, k(6))), cmp("lt", a, k(1)));
    r = f("copysign.f64", x, r);
    return sel(x, r, isNan(x));
  }

  /** 2/sqrt(pi) · (-1)^(k-1) / k!: the factor of H_{k-1}(c)·exp(-c²) in erf's k-th Taylor term. */
  private static double taylorScale(int k) {
    BigDecimal factorial = BigDecimal.ONE;
    for (int j = 2; j <= k; j++) {
      factorial = factorial.multiply(BigDecimal.valueOf(j));
    }
    BigDecimal v = twoOverSqrtPi().divide(factorial, MC);
    return (k % 2 == 1 ? v : v.negate()).doubleValue();
  }

  private String sinCos(String x, boolean cos) {
    String kf = f("cvt.rni.f64.f64", mul(x, k(TWO_OVER_PI)));
    String negK = neg(kf);
    // x - k·P1 and k·P2 are exact while |k| < 2^20; their difference as a double-double
    String t = fma(negK, k(PIO2_1), x);
    DD r0 = twoSum(t, mul(negK, k(PIO2_2)));
    DD r = twoSum(r0.hi(), fma(negK, k(PIO2_3), r0.lo()));
    String rh = r.hi();
    String z = mul(rh, rh);

    // sin(rh + rl) = rh + rh³·S(z) + rl·(1 - z/2)
    String correction = mul(r.lo(), fma(z, k(-0.5), k(1)));
    String sin = add(rh, fma(mul(rh, z), horner(z, SIN_TAIL), correction));

    // cos(rh + rl) = 1 - z/2 + z²·C(z) - rh·rl, with the rounding errors of z and of 1 - z/2
    String halfZ = mul(z, k(0.5));
    String w = sub(k(1), halfZ);
    String tail = sub(sub(k(1), w), halfZ);
    tail = fma(fma(rh, rh, neg(z)), k(-0.5), tail);
    tail = fma(neg(rh), r.lo(), tail);
    tail = fma(mul(z, z), horner(z, COS_TAIL), tail);
    String cosR = add(w, tail);

    // quadrant q = (k [+1 for cos]) mod 4: odd quadrants swap sin and cos, q ≥ 2 negates
    String kq = cos ? add(kf, k(1)) : kf;
    String q = fma(f("cvt.rmi.f64.f64", mul(kq, k(0.25))), k(-4), kq);
    String halfQ = mul(q, k(0.5));
    String odd = cmp("ne", halfQ, f("cvt.rzi.f64.f64", halfQ));
    String v = sel(cosR, sin, odd);
    v = sel(neg(v), v, cmp("ge", q, k(2)));
    // beyond the reduction's range the polynomials may overflow: keep the result in [-1, 1]
    v = f("min.f64", f("max.f64", v, k(-1)), k(1));
    if (!cos) {
      v = sel(x, v, cmp("lt", abs(x), k(0x1p-27))); // sin x rounds to x; keeps -0
    }
    return sel(v, NAN, p("testp.finite.f64", x));
  }

  // ---- shared pieces ---------------------------------------------------------------------

  /** expm1 and exp of the reduced argument, and 2^k as two factors. */
  private record ExpParts(String em, String onePlusEm, String scaleA, String scaleB) {}

  /**
   * Reduces xh + xl (xl may be null) to k·ln2 + r; the argument is clamped to [-746, 710], beyond
   * which exp is 0 or +inf anyway (NaN becomes -746; callers select NaN themselves).
   */
  private ExpParts reduceExp(String xh, String xl) {
    String x = f("min.f64", f("max.f64", xh, k(-746)), k(710));
    String kf = f("cvt.rni.f64.f64", mul(x, k(INV_LN2)));
    String negK = neg(kf);
    String a = fma(negK, k(LN2_HI), x); // exact: k·LN2_HI is exact and close to x
    // the low part belongs to the unclamped argument: it only counts where clamping changed
    // nothing (in pow it is garbage, even NaN, where y·log|x| is huge or infinite)
    String b =
        xl == null ? mul(negK, k(LN2_LO)) : fma(negK, k(LN2_LO), sel(xl, k(0), cmp("eq", x, xh)));
    DD r = twoSum(a, b);
    String rh = r.hi();
    // expm1(rh) = rh + q, q = rh²·(1/2! + rh/3! + ...)
    String q = mul(mul(rh, rh), horner(rh, EXPM1_TAIL));
    String emHigh = add(rh, q);
    // expm1(rh + rl) ≈ expm1(rh) + rl·(1 + expm1(rh))
    String correction = fma(r.lo(), emHigh, r.lo());
    String em = add(emHigh, correction);
    // 1 + expm1(r) with one final rounding: 1 + rh is exact as a double-double
    DD one = fastTwoSum(k(1), rh);
    String onePlus = add(one.hi(), add(add(one.lo(), q), correction));
    String ki = b("cvt.rni.s64.f64", kf);
    String k1 = b("shr.s64", ki, "1");
    String k2 = b("sub.s64", ki, k1);
    return new ExpParts(em, onePlus, powerOfTwo(k1), powerOfTwo(k2));
  }

  /** 2^n for an integer register with -1022 ≤ n ≤ 1023. */
  private String powerOfTwo(String n) {
    String biased = b("add.s64", n, "1023");
    return f("mov.b64", b("shl.b64", biased, "52"));
  }

  /**
   * log(x) + correction for a positive finite x as a double-double (accurate to about 2^-70
   * relative); other x give finite garbage or NaN that callers replace.
   */
  private DD logOfPositive(String x, String correction) {
    String subnormal = cmp("lt", x, k(0x1p-1022));
    String scaled = sel(mul(x, k(0x1p54)), x, subnormal);
    String bits = b("mov.b64", scaled);
    String biasedExponent = b("shr.u64", bits, "52");
    String fraction = b("and.b64", bits, Long.toString(0x000FFFFFFFFFFFFFL));
    String m1 = f("mov.b64", b("or.b64", fraction, Long.toString(0x3FF0000000000000L)));
    String above = cmp("gt", m1, k(SQRT2));
    String m = sel(mul(m1, k(0.5)), m1, above);
    String e = f("cvt.rn.f64.s64", biasedExponent);
    e = add(e, sel(k(-1022), k(-1023), above));
    e = add(e, sel(k(-54), k(0), subnormal));

    // s = f / (2 + f) as a double-double, f = m - 1 exact
    String fm = sub(m, k(1));
    String uh = add(fm, k(2));
    String ul = sub(fm, sub(uh, k(2)));
    String sh = div(fm, uh);
    String sl = div(sub(fma(neg(sh), uh, fm), mul(sh, ul)), uh);
    DD s = new DD(sh, sl);
    DD z = ddMul(s, s);
    // log(m) = 2s + 2s³·(1/3 + z/5 + z²·tail(z))
    String tail = horner(z.hi(), ATANH_TAIL);
    DD q = ddAdd(THIRD, ddMul(z, ddAdd(FIFTH, ddMul(z, tail))));
    DD series = ddMul(ddMul(s, z), q);
    DD logM =
        ddAdd(
            new DD(add(sh, sh), add(sl, sl)),
            new DD(add(series.hi(), series.hi()), add(series.lo(), series.lo())));
    String eLo = mul(e, k(LN2_LO));
    DD r = ddAdd(new DD(mul(e, k(LN2_HI)), correction == null ? eLo : add(eLo, correction)), logM);
    return r;
  }

  /** log's special values: NaN and +inf stay, ±0 gives -inf, negative x NaN. */
  private String logSpecialValues(String x, String r) {
    r = sel(x, r, cmp("equ", x, POS_INF));
    r = sel(NEG_INF, r, cmp("eq", x, k(0)));
    return sel(NAN, r, cmp("lt", x, k(0)));
  }

  /** c[0] + z·(c[1] + z·(...)). */
  private String horner(String z, double[] c) {
    String acc = k(c[c.length - 1]);
    for (int i = c.length - 2; i >= 0; i--) {
      acc = fma(acc, z, k(c[i]));
    }
    return acc;
  }

  // ---- double-double arithmetic ------------------------------------------------------------

  /** An unevaluated sum hi + lo of two f64 registers (or immediates). */
  private record DD(String hi, String lo) {
    static DD of(BigDecimal v) {
      double hi = v.doubleValue();
      return new DD(
          constant(DType.F64, hi),
          constant(DType.F64, v.subtract(new BigDecimal(hi)).doubleValue()));
    }
  }

  /** a + b exactly (Knuth's two-sum; no ordering needed). */
  private DD twoSum(String a, String b) {
    String s = add(a, b);
    String bb = sub(s, a);
    String err = add(sub(a, sub(s, bb)), sub(b, bb));
    return new DD(s, err);
  }

  private DD fastTwoSum(String a, String b) {
    String s = add(a, b);
    return new DD(s, sub(b, sub(s, a)));
  }

  private DD ddAdd(DD x, DD y) {
    DD s = twoSum(x.hi(), y.hi());
    return fastTwoSum(s.hi(), add(s.lo(), add(x.lo(), y.lo())));
  }

  private DD ddMul(DD x, DD y) {
    String p = mul(x.hi(), y.hi());
    String e = fma(x.hi(), y.hi(), neg(p));
    e = fma(x.hi(), y.lo(), e);
    e = fma(x.lo(), y.hi(), e);
    return fastTwoSum(p, e);
  }

  private DD ddMul(DD x, String y) {
    String p = mul(x.hi(), y);
    return fastTwoSum(p, fma(x.lo(), y, fma(x.hi(), y, neg(p))));
  }

  // ---- instruction emitters ----------------------------------------------------------------

  private String f(String opcode, String... operands) {
    return emit(regs.f64(), opcode, operands);
  }

  private String b(String opcode, String... operands) {
    return emit(regs.b64(), opcode, operands);
  }

  private String p(String opcode, String... operands) {
    return emit(regs.pred(), opcode, operands);
  }

  private String emit(String dst, String opcode, String... operands) {
    lines.add(opcode + " " + dst + ", " + String.join(", ", operands) + ";");
    return dst;
  }

  private String add(String a, String b) {
    return f("add.rn.f64", a, b);
  }

  private String sub(String a, String b) {
    return f("sub.rn.f64", a, b);
  }

  private String mul(String a, String b) {
    return f("mul.rn.f64", a, b);
  }

  private String div(String a, String b) {
    return f("div.rn.f64", a, b);
  }

  private String fma(String a, String b, String c) {
    return f("fma.rn.f64", a, b, c);
  }

  private String neg(String a) {
    return f("neg.f64", a);
  }

  private String abs(String a) {
    return f("abs.f64", a);
  }

  private String sel(String ifTrue, String ifFalse, String predicate) {
    return f("selp.f64", ifTrue, ifFalse, predicate);
  }

  private String cmp(String comparison, String a, String b) {
    return p("setp." + comparison + ".f64", a, b);
  }

  private String isNan(String a) {
    return p("setp.nan.f64", a, a);
  }

  private static String k(double v) {
    return constant(DType.F64, v);
  }

  // ---- coefficients ------------------------------------------------------------------------

  private static double clearLowBits(double v, int bits) {
    return Double.longBitsToDouble(Double.doubleToRawLongBits(v) & -(1L << bits));
  }

  /** 1/first!, 1/(first+step)!, ... (count values). */
  private static double[] reciprocalFactorials(int first, int step, int count) {
    double[] c = new double[count];
    for (int i = 0; i < count; i++) {
      BigDecimal factorial = BigDecimal.ONE;
      for (int j = 2; j <= first + i * step; j++) {
        factorial = factorial.multiply(BigDecimal.valueOf(j));
      }
      c[i] = BigDecimal.ONE.divide(factorial, MC).doubleValue();
    }
    return c;
  }

  private static BigDecimal twoOverSqrtPi() {
    return BigDecimal.valueOf(2).divide(PI.sqrt(MC), MC);
  }

  private static double[] erfMaclaurin(int n) {
    double[] c = new double[n];
    BigDecimal factorial = BigDecimal.ONE;
    for (int k = 0; k < n; k++) {
      if (k > 0) {
        factorial = factorial.multiply(BigDecimal.valueOf(k));
      }
      BigDecimal v = BigDecimal.ONE.divide(factorial.multiply(BigDecimal.valueOf(2L * k + 1)), MC);
      c[k] = (k % 2 == 0 ? v : v.negate()).doubleValue();
    }
    return c;
  }

  /**
   * erf at the centers from its Maclaurin series in 80-digit arithmetic: at 6 the largest term is
   * about 1e14, so the cancellation costs 15 of the 80 digits; terms are summed until they fall
   * below 1e-40.
   */
  private static double[] erfAtCenters() {
    double[] out = new double[ERF_CENTERS];
    BigDecimal tiny = new BigDecimal("1e-40");
    for (int i = 0; i < ERF_CENTERS; i++) {
      BigDecimal c =
          BigDecimal.ONE.add(
              BigDecimal.valueOf(i).divide(BigDecimal.valueOf(ERF_CENTERS_PER_UNIT), MC));
      BigDecimal z = c.multiply(c, MC).negate();
      BigDecimal power = c; // (-1)^n c^(2n+1) / n!
      BigDecimal sum = BigDecimal.ZERO;
      for (int n = 0; ; n++) {
        if (n > 0) {
          power = power.multiply(z, MC).divide(BigDecimal.valueOf(n), MC);
        }
        BigDecimal term = power.divide(BigDecimal.valueOf(2L * n + 1), MC);
        sum = sum.add(term, MC);
        if (n > 2 * 36 && term.abs().compareTo(tiny) < 0) {
          break;
        }
      }
      out[i] = sum.multiply(twoOverSqrtPi(), MC).doubleValue();
    }
    return out;
  }

  /** Signs alternating from {@code firstSign}. */
  private static double[] alternating(double[] c, int firstSign) {
    for (int i = 0; i < c.length; i++) {
      c[i] *= (i % 2 == 0 ? firstSign : -firstSign);
    }
    return c;
  }

  /** 1/first, 1/(first+2), ... (count values). */
  private static double[] oddReciprocals(int first, int count) {
    double[] c = new double[count];
    for (int i = 0; i < count; i++) {
      c[i] = BigDecimal.ONE.divide(BigDecimal.valueOf(first + 2L * i), MC).doubleValue();
    }
    return c;
  }
}
