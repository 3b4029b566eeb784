package org.vmap4j.kernel;

import java.util.ArrayList;
import java.util.List;
import org.vmap4j.DType;

/**
 * A reduction whose result is the position of an element rather than a value: it combines pairs
 * (value, index), defined once here as scalar steps that every renderer renders through its own
 * {@link ScalarOpTable}, so the tie and NaN rules cannot differ between backends.
 *
 * <p>{@link #ARGMAX}: the pair with the larger value; a NaN is larger than any number; between
 * equal values (or two NaNs) the smaller index. So the result is the first maximum, or the first
 * NaN, as in NumPy and PyTorch. Its identity is (the dtype's smallest value, {@link
 * Long#MAX_VALUE}), which every pair replaces.
 */
public enum IndexMonoid {
  ARGMAX;

  /** The accumulator's value and index, and the candidate's, as the steps name them. */
  public static final String A = "a";

  public static final String A_INDEX = "ai";
  public static final String B = "b";
  public static final String B_INDEX = "bi";

  /**
   * The value part of the identity (cast to integer dtypes as Java casts: their smallest value).
   */
  public double identity() {
    return Double.NEGATIVE_INFINITY;
  }

  /** The index part of the identity: larger than every index, so any pair replaces it. */
  public long identityIndex() {
    return Long.MAX_VALUE;
  }

  /**
   * Steps computing whether candidate (b, bi) replaces accumulator (a, ai), both values of dtype
   * {@code t} and indices I64, as the BOOL step named by the last step. With {@code later} the
   * candidate's index is known to be larger (a scan in index order), and the steps leave out the
   * tie rule, which then never replaces.
   */
  public List<ScalarStep> replaces(DType t, boolean later) {
    List<ScalarStep> s = new ArrayList<>();
    DType bool = DType.BOOL;
    step(s, "m0", ScalarOp.NE, bool, List.of(B, B), List.of(t, t)); // b is NaN
    step(s, "m1", ScalarOp.EQ, bool, List.of(A, A), List.of(t, t)); // a is a number
    step(s, "m2", ScalarOp.SELECT, bool, List.of("m0", "m1", "m0"), bools()); // b NaN, a not
    step(s, "m3", ScalarOp.GT, bool, List.of(B, A), List.of(t, t));
    step(s, "m4", ScalarOp.SELECT, bool, List.of("m3", "m3", "m2"), bools()); // b is larger
    if (later) {
      return s;
    }
    step(s, "m5", ScalarOp.EQ, bool, List.of(B, A), List.of(t, t));
    step(s, "m6", ScalarOp.SELECT, bool, List.of("m1", "m5", "m0"), bools()); // equal, or both NaN
    step(s, "m7", ScalarOp.LT, bool, List.of(B_INDEX, A_INDEX), List.of(DType.I64, DType.I64));
    step(s, "m8", ScalarOp.SELECT, bool, List.of("m6", "m7", "m6"), bools()); // a tie b wins
    step(s, "m9", ScalarOp.SELECT, bool, List.of("m4", "m4", "m8"), bools());
    return s;
  }

  private static List<DType> bools() {
    return List.of(DType.BOOL, DType.BOOL, DType.BOOL);
  }

  private static void step(
      List<ScalarStep> s,
      String name,
      ScalarOp op,
      DType t,
      List<String> operands,
      List<DType> types) {
    s.add(new ScalarStep(name, op, t, operands, types));
  }
}
