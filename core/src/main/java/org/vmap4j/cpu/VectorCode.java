package org.vmap4j.cpu;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.vmap4j.DType;

/**
 * The Java source of one lane group of a Vector API element-wise kernel ({@link VectorKernels}),
 * written by the vector forms of {@link JavaScalarOps}' rows. Values are {@code FloatVector}s or
 * {@code DoubleVector}s in the kernel's lane type ({@link #lanes()}), masks for BOOL. The text
 * names the species {@code S} (the kernel's), {@code SF} (floats) and {@code SD} (doubles), all of
 * one shape ({@link VectorLanes}).
 *
 * <p>An F32 kernel that computes in double ({@link #toDoubles}) holds each double value as two
 * halves, {@code h<n>_0} for the group's lower lanes and {@code h<n>_1} for its upper ones. A
 * vector form still writes one expression per value, naming the value {@code h<n>}: {@link #let}
 * writes it once per half, each name replaced by that half's, {@link #require} checks both halves,
 * and {@link #toFloats} joins them back into one float vector.
 *
 * <p>Janino resolves some of the Vector API's covariant methods to their bridge (returning {@code
 * Vector}), so every vector expression is {@linkplain #cast cast} back to its class; the cast is
 * free once compiled.
 */
public final class VectorCode {
  static final String FLOATS = "jdk.incubator.vector.FloatVector";
  static final String DOUBLES = "jdk.incubator.vector.DoubleVector";
  static final String MASK = "jdk.incubator.vector.VectorMask";

  /** The prefix of an operator constant, e.g. {@code OPS + "LT"}. */
  public static final String OPS = "jdk.incubator.vector.VectorOperators.";

  private final DType lanes;
  private final StringBuilder body = new StringBuilder();
  private final List<String> required = new ArrayList<>();
  private boolean replacesCall;
  private int temps;

  VectorCode(DType lanes) {
    this.lanes = lanes;
  }

  /** F32 or F64: the kernel's element type. */
  public DType lanes() {
    return lanes;
  }

  /** The vector class of values of {@code t} ({@code VectorMask} for BOOL). */
  public static String type(DType t) {
    return switch (t) {
      case F32 -> FLOATS;
      case F64 -> DOUBLES;
      case BOOL -> MASK;
      default -> throw new IllegalArgumentException("no vector type for " + t);
    };
  }

  /** {@code expression} cast to the vector class of {@code t}. */
  public String cast(DType t, String expression) {
    return "((" + type(t) + ") " + expression + ")";
  }

  /**
   * A double value held as two halves ({@link #toDoubles}): {@code h<n>}, whose halves are the
   * locals {@code h<n>_0} and {@code h<n>_1} (which this pattern does not match).
   */
  private static final Pattern HALVED = Pattern.compile("\\bh(\\d+)\\b");

  /**
   * Declares {@code expression} (of {@code t}) as a fresh local; returns its name. An F64
   * expression of halved values is declared once per half, and its value is halved too.
   */
  public String let(DType t, String expression) {
    if (!HALVED.matcher(expression).find()) {
      String name = "q" + temps++;
      declare(t, name, expression);
      return name;
    }
    if (t != DType.F64) {
      throw new IllegalStateException(
          "VectorCode: a "
              + t
              + " value of double halves must be joined by toFloats first: "
              + expression);
    }
    String name = "h" + temps;
    temps += 2;
    declare(t, name + "_0", half(expression, 0));
    declare(t, name + "_1", half(expression, 1));
    return name;
  }

  /** {@code expression} with every halved value replaced by its half {@code part} (0 or 1). */
  private static String half(String expression, int part) {
    return HALVED.matcher(expression).replaceAll("h$1_" + part);
  }

  /** Declares {@code name = expression} (of {@code t}). */
  void declare(DType t, String name, String expression) {
    body.append("      final ")
        .append(type(t))
        .append(' ')
        .append(name)
        .append(" = ")
        .append(t == DType.BOOL ? expression : cast(t, expression))
        .append(";\n");
  }

  /** A vector of {@code t} with every lane {@code value} (a Java literal or local of t's type). */
  public String broadcast(DType t, String value) {
    return cast(t, type(t) + ".broadcast(" + species(t) + ", " + value + ")");
  }

  /** A vector of doubles with every lane {@code value}, exactly. */
  public String broadcast(double value) {
    return broadcast(DType.F64, Double.toString(value) + "d");
  }

  /**
   * The lanes are computed exactly as the scalar form only where {@code mask} holds (a mask of this
   * kernel's lanes or of doubles); where it does not anywhere in the group, the kernel computes the
   * whole group by its scalar loop instead (rare inputs: an exp argument out of range, a power
   * other than -1 or 2).
   */
  public void require(String mask) {
    // tested one by one: VectorMask.cast between float and double lanes is not compiled to an
    // instruction in JDK 17 (3.3 ms a million floats against 0.2 without it)
    if (HALVED.matcher(mask).find()) {
      required.add(half(mask, 0) + ".allTrue()");
      required.add(half(mask, 1) + ".allTrue()");
    } else {
      required.add(mask + ".allTrue()");
    }
  }

  /**
   * The float vector {@code f} widened to doubles, lane for lane (exactly): a halved value, its
   * lower lanes in part 0 and its upper lanes in part 1 of the conversion.
   */
  public String toDoubles(String f) {
    if (lanes != DType.F32) {
      throw new IllegalStateException("VectorCode: toDoubles in a " + lanes + " kernel");
    }
    String name = "h" + temps;
    temps += 2;
    declare(DType.F64, name + "_0", f + ".convertShape(" + OPS + "F2D, SD, 0)");
    declare(DType.F64, name + "_1", f + ".convertShape(" + OPS + "F2D, SD, 1)");
    return name;
  }

  /**
   * The halved double value {@code d} rounded to floats as Java's {@code (float)} cast, one float
   * vector again: the lower half narrowed into the lower lanes (conversion part 0), the upper half
   * into the upper lanes (part -1), blended.
   */
  public String toFloats(String d) {
    if (!HALVED.matcher(d).matches()) {
      throw new IllegalStateException("VectorCode: toFloats of " + d + ", not a halved value");
    }
    String lower = cast(DType.F32, d + "_0.convertShape(" + OPS + "D2F, SF, 0)");
    String upper = d + "_1.convertShape(" + OPS + "D2F, SF, -1)";
    String name = "q" + temps++;
    declare(
        DType.F32, name, lower + ".blend(" + upper + ", org.vmap4j.cpu.VectorLanes.UPPER_HALF)");
    return name;
  }

  /**
   * Marks that this operation's scalar form is a call HotSpot does not vectorize and that costs
   * enough to repay a vector loop (exp, erf). A kernel without one renders no vector loop: C2
   * already vectorizes the scalar loop of plain arithmetic, and a generated Vector API loop runs
   * far slower than a scalar one until C2 has compiled it (the interpreter and C1 allocate a vector
   * object per operation). Measured on the CNN: kernels whose only such step was a pow or an F32
   * rsqrt made its rows 5-30% slower as vector loops (docs/performance.md, "Vector API element-wise
   * kernels"), so those forms exist (and are tested) but do not make a kernel vector on their own.
   */
  public void replacesScalarCall() {
    replacesCall = true;
  }

  boolean replacesCall() {
    return replacesCall;
  }

  /** The species of {@code t}'s vectors in this kernel. */
  String species(DType t) {
    return t == DType.F32 ? "SF" : t == DType.F64 ? "SD" : "S";
  }

  /**
   * How many temporaries the group declares so far (a measure of its bytecode; a halved value
   * counts two).
   */
  int temporaries() {
    return temps;
  }

  String body() {
    return body.toString();
  }

  /** Whether every lane of the group is exact (a Java condition), or null when always. */
  String exactLanes() {
    return required.isEmpty() ? null : String.join(" && ", required);
  }
}
