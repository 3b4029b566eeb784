package org.vmap4j.testing;

import java.util.Arrays;
import org.vmap4j.Tensor;

/**
 * The one element-wise "close enough" assertion of the tests (core's test-jar, used by the other
 * modules' tests too). A {@link Tolerance} says how far an element may be from the expected one and
 * whether non-finite values may match; a failure names what was compared, the element, both values,
 * the bound and the shape.
 */
public final class TensorAssertions {
  private TensorAssertions() {}

  /**
   * How close is close enough, element by element, from the expected value {@code want}.
   *
   * @param absolute the bound's constant part
   * @param relative the bound's part proportional to {@code |want|}
   * @param atLeastOne the bound is {@code relative * max(1, |want|)} (with {@code absolute} 0)
   *     rather than {@code absolute + relative * |want|}
   * @param nonFiniteFails only the bound counts, so a NaN or an infinity never matches; otherwise
   *     an element equal to the expected one (an infinity included) or NaN where NaN is expected
   *     matches
   */
  public record Tolerance(
      double absolute, double relative, boolean atLeastOne, boolean nonFiniteFails) {

    /** {@code |got - want| <= tol * max(1, |want|)}: absolute below 1, relative above. */
    public static Tolerance scaled(double tol) {
      return new Tolerance(0, tol, true, false);
    }

    /** {@code |got - want| <= atol + rtol * |want|}, as {@link Tensor#allClose}. */
    public static Tolerance allClose(double rtol, double atol) {
      return new Tolerance(atol, rtol, false, false);
    }

    /** The same bound, but a NaN or an infinity, expected or not, fails. */
    public Tolerance finiteOnly() {
      return new Tolerance(absolute, relative, atLeastOne, true);
    }

    /** The largest distance allowed from {@code want}. */
    public double bound(double want) {
      return atLeastOne
          ? relative * Math.max(1, Math.abs(want))
          : absolute + relative * Math.abs(want);
    }

    /**
     * Whether {@code got} is close enough to {@code want}. An infinite {@code want} has no bound
     * (it would be infinite and let any value through): only an equal {@code got} matches it.
     */
    public boolean accepts(double got, double want) {
      if (!nonFiniteFails && (got == want || (Double.isNaN(got) && Double.isNaN(want)))) {
        return true;
      }
      return Double.isFinite(want) && Math.abs(got - want) <= bound(want);
    }
  }

  /** Equal lengths, and every element of {@code got} close to {@code want}'s. */
  public static void assertClose(String what, double[] got, double[] want, Tolerance tol) {
    if (got.length != want.length) {
      throw new AssertionError(what + ": " + got.length + " elements, expected " + want.length);
    }
    check(what, got, want, tol, null);
  }

  /** Equal shapes, and every element of {@code got} close to {@code want}'s. */
  public static void assertClose(String what, Tensor got, Tensor want, Tolerance tol) {
    if (!Arrays.equals(got.shape(), want.shape())) {
      throw new AssertionError(
          what
              + ": shape "
              + Arrays.toString(got.shape())
              + ", expected "
              + Arrays.toString(want.shape()));
    }
    check(what, got.toDoubleArray(), want.toDoubleArray(), tol, want.shape());
  }

  /**
   * Every element of an F32 result {@code got} close to {@code want}, the exact value of a sum of
   * up to {@code terms} terms whose magnitudes add up to {@code magnitude[i]}: within {@code
   * relative (1 + |want|)} plus four times the typical F32 rounding of such a sum, the unit
   * roundoff 2^-24 times the square root of the number of terms times {@code magnitude[i]} (the
   * inputs' rounding to F32 and the additions'). A bound relative to the result alone is too tight
   * where the terms cancel: a long sum near zero keeps the rounding of its large terms (a
   * convolution property once failed by 1.9e-4 on a result of -0.41 from 608 products). A dropped
   * or doubled term of typical size stays far outside this bound.
   */
  public static void assertCloseToF32Sums(
      String what, double[] got, double[] want, double[] magnitude, int terms, double relative) {
    if (got.length != want.length || magnitude.length != want.length) {
      throw new AssertionError(
          what
              + ": "
              + got.length
              + " elements, expected "
              + want.length
              + " (and "
              + magnitude.length
              + " magnitudes)");
    }
    double roundoff = Math.scalb(1.0, -24) * Math.sqrt(Math.max(1, terms));
    for (int i = 0; i < want.length; i++) {
      double bound = relative * (1 + Math.abs(want[i])) + 4 * roundoff * magnitude[i];
      if (!(Math.abs(got[i] - want[i]) <= bound)) {
        throw notClose(
            what,
            i,
            got[i],
            want[i],
            bound + " for a sum of " + terms + " terms of magnitude " + magnitude[i],
            "");
      }
    }
  }

  private static void check(String what, double[] got, double[] want, Tolerance tol, int[] shape) {
    for (int i = 0; i < want.length; i++) {
      if (!tol.accepts(got[i], want[i])) {
        throw notClose(
            what,
            i,
            got[i],
            want[i],
            tol.bound(want[i]) + (tol.nonFiniteFails() ? ", finite values only" : ""),
            shape == null ? "" : "; shape " + Arrays.toString(shape));
      }
    }
  }

  private static AssertionError notClose(
      String what, int i, double got, double want, String tolerance, String after) {
    return new AssertionError(
        what
            + ": element "
            + i
            + " is "
            + got
            + ", expected "
            + want
            + " (tolerance "
            + tolerance
            + ")"
            + after);
  }
}
