package org.vmap4j.cpu;

import java.util.function.DoubleUnaryOperator;
import org.vmap4j.DType;
import org.vmap4j.prim.ErrorFunction;

/**
 * The F32 error function's Vector API form: two polynomials interpolating {@link ErrorFunction#erf}
 * (the double reference) at Chebyshev nodes, computed once at class initialization, so this class
 * holds no coefficient of its own. The scalar form's piecewise Taylor tables would need a gather
 * per coefficient; one polynomial per range needs none.
 *
 * <ul>
 *   <li>|x| &lt; 1: {@code erf(a)/a} as a polynomial of degree {@value #SMALL_DEGREE} in {@code a²}
 *       (mapped to [-1, 1]); erf(a)/a is entire in a², so the interpolant is within 1e-12.
 *   <li>1 &le; |x| &lt; 4: erf itself, degree {@value #LARGE_DEGREE} in {@code (a - 2.5)/1.5},
 *       within 1e-9 (checked by {@code VectorKernelsTest}).
 *   <li>|x| &ge; 4: 1 (erfc(4) is 1.5e-8, under half a float ulp of 1); the sign of x is copied
 *       back (so erf(-0) = -0); NaN lanes take the scalar loop.
 * </ul>
 *
 * The double result is within 1e-9 of erf, far under half a float ulp of it, so its rounding is
 * within 1 ulp of {@code (float) erf(x)}: the bound the scalar {@code erfForFloat} has.
 */
final class VectorErf {
  static final int SMALL_DEGREE = 8;
  static final int LARGE_DEGREE = 16;

  /** Monomial coefficients (constant first) in {@code t = 2a² - 1}, of erf(a)/a. */
  static final double[] SMALL =
      interpolate(
          z -> z == 0 ? 2 / Math.sqrt(Math.PI) : ErrorFunction.erf(Math.sqrt(z)) / Math.sqrt(z),
          0,
          1,
          SMALL_DEGREE);

  /** Monomial coefficients (constant first) in {@code t = (a - 2.5)/1.5}, of erf(a). */
  static final double[] LARGE = interpolate(ErrorFunction::erf, 1, 4, LARGE_DEGREE);

  private VectorErf() {}

  /** The vector form: erf of the float vector {@code x}, written into {@code c}. */
  static String ofFloats(VectorCode c, String x) {
    c.replacesScalarCall();
    String ops = VectorCode.OPS;
    String d = c.toDoubles(x);
    c.require(d + ".compare(" + ops + "EQ, " + d + ")"); // not NaN
    String a = c.let(DType.F64, d + ".abs()");
    String t = c.let(DType.F64, c.cast(DType.F64, a + ".mul(" + a + ")") + ".mul(2d).sub(1d)");
    String small = c.let(DType.F64, a + ".mul(" + horner(c, SMALL, t) + ")");
    String u = c.let(DType.F64, c.cast(DType.F64, a + ".sub(2.5d)") + ".mul(" + 1 / 1.5 + "d)");
    String large = horner(c, LARGE, u);
    String magnitude =
        c.let(
            DType.F64,
            c.cast(
                    DType.F64,
                    c.broadcast(1.0)
                        + ".blend("
                        + large
                        + ", "
                        + a
                        + ".compare("
                        + ops
                        + "LT, 4d))")
                + ".blend("
                + small
                + ", "
                + a
                + ".compare("
                + ops
                + "LT, 1d))");
    String longs = "jdk.incubator.vector.LongVector";
    String sign = "((" + longs + ") " + d + ".reinterpretAsLongs().and(0x8000000000000000L))";
    String signed =
        c.let(
            DType.F64,
            "(("
                + longs
                + ") "
                + magnitude
                + ".reinterpretAsLongs().or("
                + sign
                + "))"
                + ".reinterpretAsDoubles()");
    return c.toFloats(signed);
  }

  /** {@code Σ p[k] t^k} by Horner's rule with fused multiply-adds. */
  private static String horner(VectorCode c, double[] p, String t) {
    String acc = c.broadcast(p[p.length - 1]);
    for (int k = p.length - 2; k >= 0; k--) {
      acc = c.let(DType.F64, acc + ".fma(" + t + ", " + c.broadcast(p[k]) + ")");
    }
    return acc;
  }

  /**
   * The polynomial of degree {@code n} interpolating {@code f} on [lo, hi] at the n+1 Chebyshev
   * nodes, in monomials of {@code t = (x - mid)/half}, constant first.
   */
  static double[] interpolate(DoubleUnaryOperator f, double lo, double hi, int n) {
    double mid = (lo + hi) / 2;
    double half = (hi - lo) / 2;
    double[] values = new double[n + 1];
    for (int j = 0; j <= n; j++) {
      values[j] = f.applyAsDouble(mid + half * Math.cos(Math.PI * (j + 0.5) / (n + 1)));
    }
    double[] monomial = new double[n + 1];
    double[] previous = new double[n + 1]; // T_{k-1}
    double[] current = new double[n + 1]; // T_k
    current[0] = 1;
    for (int k = 0; k <= n; k++) {
      double ck = 0;
      for (int j = 0; j <= n; j++) {
        ck += values[j] * Math.cos(Math.PI * k * (j + 0.5) / (n + 1));
      }
      ck *= (k == 0 ? 1.0 : 2.0) / (n + 1);
      for (int i = 0; i <= k; i++) {
        monomial[i] += ck * current[i];
      }
      double[] next = new double[n + 1]; // T_{k+1} = 2t T_k - T_{k-1}
      for (int i = 0; i < n; i++) {
        next[i + 1] = 2 * current[i];
      }
      if (k > 0) {
        for (int i = 0; i <= n; i++) {
          next[i] -= previous[i];
        }
      } else {
        next = new double[n + 1];
        next[1] = 1; // T_1 = t
      }
      previous = current;
      current = next;
    }
    return monomial;
  }
}
