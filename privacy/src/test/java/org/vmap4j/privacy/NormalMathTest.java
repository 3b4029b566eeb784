package org.vmap4j.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.apache.commons.math3.special.Erf;
import org.junit.jupiter.api.Test;

class NormalMathTest {

  @Test
  void erfcMatchesTheCLibraryToThirteenDigits() {
    // references.csv: CPython's math.erfc
    for (double[] row : References.rows("erfc")) {
      double x = row[0];
      assertThat(NormalMath.erfc(x)).as("erfc(%s)", x).isCloseTo(row[1], within(3e-13 * row[1]));
      assertThat(NormalMath.logErfc(x))
          .as("logErfc(%s)", x)
          .isCloseTo(Math.log(row[1]), within(3e-13 * Math.max(1, Math.abs(Math.log(row[1])))));
    }
  }

  @Test
  void erfcMatchesCommonsMathOnADenseGrid() {
    // commons-math3 computes erfc from the regularized incomplete gamma function: another method
    for (double x = -6; x <= 26; x += 0.0625) {
      double expected = Erf.erfc(x);
      assertThat(NormalMath.erfc(x))
          .as("erfc(%s)", x)
          .isCloseTo(expected, within(3e-13 * expected));
    }
  }

  @Test
  void logErfcFollowsTheAsymptoticSeriesFarBeyondUnderflow() {
    // erfc(x) = e^(-x^2)/(x sqrt(pi)) (1 - 1/(2x^2) + 3/(4x^4) - 15/(8x^6) + ...)
    for (double x : new double[] {30, 100, 1e4}) {
      double x2 = x * x;
      double series = 1 - 1 / (2 * x2) + 3 / (4 * x2 * x2) - 15 / (8 * x2 * x2 * x2);
      double expected = -x2 - Math.log(x * Math.sqrt(Math.PI)) + Math.log(series);
      assertThat(NormalMath.erfc(x)).isZero();
      assertThat(NormalMath.logErfc(x)).isCloseTo(expected, within(1e-12 * Math.abs(expected)));
    }
    assertThat(NormalMath.logErfc(Double.POSITIVE_INFINITY)).isEqualTo(Double.NEGATIVE_INFINITY);
    assertThat(NormalMath.logErfc(-40)).isEqualTo(Math.log(2));
  }

  @Test
  void normalCdfIsAccurateInTheLowerTail() {
    assertThat(NormalMath.normalCdf(0)).isEqualTo(0.5);
    // Phi(-x) = erfc(x/sqrt2)/2 from commons-math3
    for (double x : new double[] {1, 5, 10, 20, 37}) {
      double expected = 0.5 * Erf.erfc(x / Math.sqrt(2));
      assertThat(NormalMath.normalCdf(-x)).isCloseTo(expected, within(1e-13 * expected));
      assertThat(NormalMath.logNormalCdf(-x))
          .isCloseTo(Math.log(expected), within(1e-13 * Math.abs(Math.log(expected))));
    }
  }

  @Test
  void logAddExpNeitherOverflowsNorLosesTheSmallerTerm() {
    assertThat(NormalMath.logAddExp(1000, 1000)).isCloseTo(1000 + Math.log(2), within(1e-12));
    assertThat(NormalMath.logAddExp(-1000, Double.NEGATIVE_INFINITY)).isEqualTo(-1000);
    assertThat(NormalMath.logAddExp(0, -30)).isCloseTo(Math.log1p(Math.exp(-30)), within(1e-16));
    assertThat(NormalMath.logAddExp(Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY))
        .isEqualTo(Double.NEGATIVE_INFINITY);
  }
}
