package org.vmap4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.vmap4j.Func.grad;
import static org.vmap4j.Func.jit;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vmap4j.prim.ErrorFunction;

/**
 * erf against 200-bit references (mpmath, {@code core/src/test/erf/erf_reference.py}) over 4211
 * points: uniform on [-7, 7], dense where the two expansions meet, around the switch at 1, and tiny
 * and subnormal arguments. Its vmap, JVP/VJP and jit rules are in the per-primitive cases of {@link
 * VmapPropertyTest}.
 */
class ErfTest {
  static double[] xs;
  static double[] refs;

  @BeforeAll
  static void readReferences() throws IOException {
    try (InputStream in = ErfTest.class.getResourceAsStream("/org/vmap4j/erf/erf_reference.txt")) {
      String[] lines = new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\n");
      xs = new double[lines.length];
      refs = new double[lines.length];
      for (int i = 0; i < lines.length; i++) {
        String[] p = lines[i].trim().split(" ");
        xs[i] = Double.parseDouble(p[0]);
        refs[i] = Double.parseDouble(p[1]);
      }
    }
    assertThat(xs.length).isGreaterThan(4000);
  }

  static double ulps(double got, double ref) {
    return Math.abs(got - ref) / Math.ulp(ref);
  }

  @Test
  void withinTwoUlpOfTheReferenceEverywhere() {
    double worst = 0;
    double worstAt = 0;
    for (int i = 0; i < xs.length; i++) {
      double u = ulps(ErrorFunction.erf(xs[i]), refs[i]);
      if (u > worst) {
        worst = u;
        worstAt = xs[i];
      }
    }
    assertThat(worst).as("worst error in ulp, at x = %s", worstAt).isLessThanOrEqualTo(2);
  }

  @Test
  void specialValues() {
    assertThat(ErrorFunction.erf(Double.NaN)).isNaN();
    assertThat(ErrorFunction.erf(Double.POSITIVE_INFINITY)).isEqualTo(1.0);
    assertThat(ErrorFunction.erf(Double.NEGATIVE_INFINITY)).isEqualTo(-1.0);
    assertThat(1 / ErrorFunction.erf(-0.0)).isEqualTo(Double.NEGATIVE_INFINITY); // odd: -0 stays
    assertThat(ErrorFunction.erf(Double.MIN_VALUE)).isEqualTo(Double.MIN_VALUE);
  }

  @Test
  void tensorErfInF64AndF32EagerAndJitted() {
    Tensor x = Tensor.of(xs);
    Function<Tensor, Tensor> erf = Tensor::erf;
    for (Tensor y : new Tensor[] {x.erf(), jit(erf).apply(x)}) {
      double[] got = y.toDoubleArray();
      for (int i = 0; i < xs.length; i++) {
        assertThat(ulps(got[i], refs[i])).as("x = %s", xs[i]).isLessThanOrEqualTo(2);
      }
    }
    Tensor x32 = x.astype(DType.F32);
    float[] in32 = x32.toFloatArray();
    Tensor[] ys = {x32.erf(), jit(erf).apply(x32)};
    for (int k = 0; k < ys.length; k++) {
      Tensor y = ys[k];
      assertThat(y.dtype()).isEqualTo(DType.F32);
      float[] got = y.toFloatArray();
      for (int i = 0; i < xs.length; i++) {
        if (k == 0) {
          // the eager f32 result is the float-accurate erf of the f32 argument, rounded once
          float expected = (float) ErrorFunction.erfForFloat(in32[i]);
          assertThat(got[i]).as("x = %s", in32[i]).isEqualTo(expected);
        } else {
          // a fused kernel may run the Vector API form (VectorErf): the same 1-ulp bound
          float rounded = (float) ErrorFunction.erf(in32[i]);
          assertThat(Math.abs(got[i] - rounded))
              .as("x = %s", in32[i])
              .isLessThanOrEqualTo(Math.ulp(rounded));
        }
        if (in32[i] == xs[i]) {
          assertThat(Math.abs(got[i] - refs[i])).isLessThanOrEqualTo(Math.ulp((float) refs[i]));
        }
      }
    }
  }

  @Test
  void floatAccurateErfWithinOneFloatUlpOfTheRoundedDoubleErf() {
    // every 61st float of [-7, 7] (all of them were checked once: the worst is 1 ulp)
    int checked = 0;
    for (int bits = Float.floatToRawIntBits(7f); bits >= 0; bits -= 61) {
      for (float x : new float[] {Float.intBitsToFloat(bits), -Float.intBitsToFloat(bits)}) {
        float exact = (float) ErrorFunction.erf(x);
        float fast = (float) ErrorFunction.erfForFloat(x);
        assertThat(Math.abs(fast - exact)).as("x = %s", x).isLessThanOrEqualTo(Math.ulp(exact));
        checked++;
      }
    }
    assertThat(checked).isGreaterThan(30_000_000);
    assertThat(ErrorFunction.erfForFloat(Double.NaN)).isNaN();
    assertThat(1 / ErrorFunction.erfForFloat(-0.0)).isEqualTo(Double.NEGATIVE_INFINITY);
    assertThat(ErrorFunction.erfForFloat(Double.NEGATIVE_INFINITY)).isEqualTo(-1.0);
  }

  /**
   * erfForFloat in double keeps only the truncation its term counts promise, which the float
   * comparison above cannot see (one term fewer of either expansion still rounds to within 1 float
   * ulp): below 1, the Maclaurin series alternates with falling terms, so cut after 12 terms it is
   * off by at most the 13th, {@code 2/sqrt(pi) |x|^25 / (12! 25)} (9.4e-11 at 1); from 1 to 6, the
   * Taylor polynomial of erfc about c cut after 8 terms is off by about its 9th, {@code 2/sqrt(pi)
   * |H_7(c)| exp(-c²) |h|^8 / 8!} (the next terms fall by about 2ch/9, |h| &le; 1/16), allowed
   * twice that. Dropping one more term leaves 10x (Maclaurin) or 20x (Taylor) more than allowed.
   */
  @Test
  void floatAccurateErfTruncatesAsItsTermCountsSay() {
    double factorial12 = 479001600;
    for (int i = 0; i < xs.length; i++) {
      double a = Math.abs(xs[i]);
      double error = Math.abs(ErrorFunction.erfForFloat(xs[i]) - refs[i]);
      double rounding = 4 * Math.ulp(refs[i]);
      double bound;
      if (a < 1) {
        bound = 2 / Math.sqrt(Math.PI) * Math.pow(a, 25) / (factorial12 * 25);
      } else if (a < 6) {
        double c = 1 + (int) ((a - 1) * 8 + 0.5) / 8.0;
        double h = a - c;
        double hermite7 =
            128 * Math.pow(c, 7) - 1344 * Math.pow(c, 5) + 3360 * Math.pow(c, 3) - 1680 * c;
        bound =
            2
                * 2
                / Math.sqrt(Math.PI)
                * Math.abs(hermite7)
                * Math.exp(-c * c)
                * Math.pow(h, 8)
                / 40320;
      } else {
        bound = 0;
      }
      assertThat(error).as("x = %s", xs[i]).isLessThanOrEqualTo(bound + rounding);
    }
  }

  @Test
  void derivativeIsTheGaussianDensityTimesTwo() {
    Tensor x = Tensor.of(new double[] {-3, -1.5, -0.2, 0, 0.7, 1, 2.5, 5});
    Tensor g = grad((Tensor t) -> t.erf().sum()).apply(x);
    double[] xv = x.toDoubleArray();
    double[] gv = g.toDoubleArray();
    for (int i = 0; i < xv.length; i++) {
      double closedForm = 2 / Math.sqrt(Math.PI) * Math.exp(-xv[i] * xv[i]);
      double h = 1e-6;
      double central = (ErrorFunction.erf(xv[i] + h) - ErrorFunction.erf(xv[i] - h)) / (2 * h);
      assertThat(gv[i]).isCloseTo(closedForm, org.assertj.core.data.Offset.offset(1e-15));
      assertThat(gv[i]).isCloseTo(central, org.assertj.core.data.Offset.offset(1e-8));
    }
  }
}
