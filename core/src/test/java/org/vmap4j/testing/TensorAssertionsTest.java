package org.vmap4j.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.vmap4j.Tensor;
import org.vmap4j.testing.TensorAssertions.Tolerance;

/** The shared closeness assertion: each bound at its edge, NaN and infinities, messages. */
class TensorAssertionsTest {
  private static final double INF = Double.POSITIVE_INFINITY;
  private static final double NAN = Double.NaN;

  @Test
  void scaledIsAbsoluteBelowOneAndRelativeAbove() {
    Tolerance t = Tolerance.scaled(0.25);
    assertThat(t.accepts(0.25, 0)).isTrue();
    assertThat(t.accepts(0.2501, 0)).isFalse();
    assertThat(t.accepts(15, 12)).isTrue(); // 0.25 * 12 = 3
    assertThat(t.accepts(15.01, 12)).isFalse();
    assertThat(t.accepts(-12.5, -10)).isTrue();
  }

  @Test
  void allCloseIsTensorAllClosesBound() {
    Tolerance t = Tolerance.allClose(0.5, 0.25);
    assertThat(t.accepts(5.25, 0)).isFalse();
    assertThat(t.accepts(0.25, 0)).isTrue();
    assertThat(t.accepts(4 + 2.25, 4)).isTrue(); // 0.25 + 0.5 * 4
    assertThat(t.accepts(4 + 2.26, 4)).isFalse();
    double[] a = {0, 4, 4 + 2.25, NAN, INF, 1, 5};
    double[] b = {0.25, 4, 4, NAN, INF, 3, 5};
    for (int i = 0; i < a.length; i++) {
      boolean byTensor =
          Tensor.of(new double[] {a[i]}).allClose(Tensor.of(new double[] {b[i]}), 0.5, 0.25);
      assertThat(t.accepts(a[i], b[i])).as("%s vs %s", a[i], b[i]).isEqualTo(byTensor);
    }
  }

  @Test
  void nanMatchesNanAndEqualInfinitiesMatchUnlessFiniteOnly() {
    Tolerance t = Tolerance.scaled(1e-9);
    assertThat(t.accepts(NAN, NAN)).isTrue();
    assertThat(t.accepts(INF, INF)).isTrue();
    assertThat(t.accepts(NAN, 1)).isFalse();
    assertThat(t.accepts(1, NAN)).isFalse();
    assertThat(t.accepts(-INF, INF)).isFalse();
    assertThat(t.accepts(1e300, INF)).isFalse(); // no infinite bound around an infinity
    Tolerance finite = t.finiteOnly();
    assertThat(finite.accepts(NAN, NAN)).isFalse();
    assertThat(finite.accepts(INF, INF)).isFalse();
    assertThat(finite.accepts(1, 1)).isTrue();
  }

  @Test
  void aFailureNamesTheElementTheValuesTheBoundAndTheShape() {
    Tensor want = Tensor.of(new double[] {1, 2, 3, 4}, 2, 2);
    Tensor got = Tensor.of(new double[] {1, 2, 3.5, 4}, 2, 2);
    assertThatThrownBy(
            () -> TensorAssertions.assertClose("layer 2", got, want, Tolerance.scaled(0.1)))
        .isInstanceOf(AssertionError.class)
        .hasMessage(
            "layer 2: element 2 is 3.5, expected 3.0 (tolerance 0.30000000000000004); shape [2, 2]");
    TensorAssertions.assertClose("layer 2", got, want, Tolerance.scaled(0.2));
    assertThatThrownBy(
            () -> TensorAssertions.assertClose("x", got.reshape(4), want, Tolerance.scaled(1)))
        .hasMessage("x: shape [4], expected [2, 2]");
    assertThatThrownBy(
            () ->
                TensorAssertions.assertClose(
                    "y", new double[] {1}, new double[] {1, 2}, Tolerance.scaled(1)))
        .hasMessage("y: 1 elements, expected 2");
  }

  /**
   * Long F32 sums that cancel, summed in float from float-rounded terms, pass against their exact
   * values; the same sums without one term fail. Each sum: 600 products of two values of about 4,
   * with the last term chosen so that the exact result is near zero.
   */
  @Test
  void f32SumsAreJudgedByTheirTermsNotByTheirResult() {
    java.util.Random r = new java.util.Random(20261207);
    int terms = 600;
    int sums = 200;
    double[] exact = new double[sums];
    double[] summed = new double[sums];
    double[] dropped = new double[sums];
    double[] magnitude = new double[sums];
    for (int s = 0; s < sums; s++) {
      double[] x = new double[terms];
      double[] w = new double[terms];
      double partial = 0;
      for (int t = 0; t < terms - 1; t++) {
        x[t] = r.nextGaussian() * 4;
        w[t] = r.nextGaussian() * 4;
        partial += x[t] * w[t];
      }
      x[terms - 1] = -partial / 4 + r.nextGaussian() * 0.1;
      w[terms - 1] = 4;
      float all = 0;
      float allButOne = 0;
      for (int t = 0; t < terms; t++) {
        exact[s] += x[t] * w[t];
        magnitude[s] += Math.abs(x[t] * w[t]);
        float product = (float) x[t] * (float) w[t];
        all += product;
        allButOne += t == terms / 2 ? 0 : product;
      }
      summed[s] = all;
      dropped[s] = allButOne;
    }
    TensorAssertions.assertCloseToF32Sums("sums", summed, exact, magnitude, terms, 1e-5);
    // a bound relative to the result alone is too tight for them
    assertThatThrownBy(
            () ->
                TensorAssertions.assertClose("sums", summed, exact, Tolerance.allClose(1e-4, 1e-4)))
        .isInstanceOf(AssertionError.class);
    assertThatThrownBy(
            () ->
                TensorAssertions.assertCloseToF32Sums(
                    "sums", dropped, exact, magnitude, terms, 1e-5))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("for a sum of 600 terms of magnitude");
  }
}
