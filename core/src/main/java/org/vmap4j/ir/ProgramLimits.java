package org.vmap4j.ir;

/**
 * Bounds on a serialized program read from an untrusted source ({@link
 * ProgramSerializer#fromUntrustedBytes}), such as the bytes a Spark Connect client sends. Each
 * bound caps what the reader may allocate or what the program may make a server allocate or recurse
 * into, so a hostile or corrupt program is rejected before anything large is allocated. Immutable:
 * each {@code with...} method returns a copy with one bound changed.
 *
 * <p>{@link #defaults()} fits programs traced from per-example functions (models up to millions of
 * parameters, a few thousand equations); raise a bound for larger programs.
 */
public final class ProgramLimits {
  private final int maxBytes;
  private final int maxEquations;
  private final int maxVariables;
  private final int maxNestingDepth;
  private final int maxTensorElements;
  private final long maxTotalConstantElements;
  private final int maxRank;
  private final int maxStringLength;
  private final long maxLoopIterations;

  private ProgramLimits(
      int maxBytes,
      int maxEquations,
      int maxVariables,
      int maxNestingDepth,
      int maxTensorElements,
      long maxTotalConstantElements,
      int maxRank,
      int maxStringLength,
      long maxLoopIterations) {
    this.maxBytes = positive("maxBytes", maxBytes);
    this.maxEquations = positive("maxEquations", maxEquations);
    this.maxVariables = positive("maxVariables", maxVariables);
    this.maxNestingDepth = nonNegative("maxNestingDepth", maxNestingDepth);
    this.maxTensorElements = positive("maxTensorElements", maxTensorElements);
    this.maxTotalConstantElements =
        nonNegative("maxTotalConstantElements", maxTotalConstantElements);
    this.maxRank = nonNegative("maxRank", maxRank);
    this.maxStringLength = positive("maxStringLength", maxStringLength);
    this.maxLoopIterations = nonNegative("maxLoopIterations", maxLoopIterations);
  }

  /**
   * 64 MiB of bytes, 100,000 equations and 400,000 variables in all (sub-programs included),
   * sub-programs nested 16 deep, 16 Mi elements per tensor (every variable, not only constants), 16
   * Mi constant elements in all, rank 16, strings of 64 characters.
   */
  public static ProgramLimits defaults() {
    return new ProgramLimits(64 << 20, 100_000, 400_000, 8, 1 << 24, 1L << 24, 16, 64, 1_000_000);
  }

  /** The most bytes a serialized program may have. */
  public ProgramLimits withMaxBytes(int n) {
    return new ProgramLimits(
        n,
        maxEquations,
        maxVariables,
        maxNestingDepth,
        maxTensorElements,
        maxTotalConstantElements,
        maxRank,
        maxStringLength,
        maxLoopIterations);
  }

  /** The most equations, counting those of every sub-program. */
  public ProgramLimits withMaxEquations(int n) {
    return new ProgramLimits(
        maxBytes,
        n,
        maxVariables,
        maxNestingDepth,
        maxTensorElements,
        maxTotalConstantElements,
        maxRank,
        maxStringLength,
        maxLoopIterations);
  }

  /** The most variables (inputs, constants, equation results), counting every sub-program's. */
  public ProgramLimits withMaxVariables(int n) {
    return new ProgramLimits(
        maxBytes,
        maxEquations,
        n,
        maxNestingDepth,
        maxTensorElements,
        maxTotalConstantElements,
        maxRank,
        maxStringLength,
        maxLoopIterations);
  }

  /**
   * How deep sub-programs (the branches and bodies of control flow) may nest: 0 allows no control
   * flow, 1 allows a loop whose body has none, and so on.
   */
  public ProgramLimits withMaxNestingDepth(int n) {
    return new ProgramLimits(
        maxBytes,
        maxEquations,
        maxVariables,
        n,
        maxTensorElements,
        maxTotalConstantElements,
        maxRank,
        maxStringLength,
        maxLoopIterations);
  }

  /** The most elements of any one tensor the program declares: inputs, constants and results. */
  public ProgramLimits withMaxTensorElements(int n) {
    return new ProgramLimits(
        maxBytes,
        maxEquations,
        maxVariables,
        maxNestingDepth,
        n,
        maxTotalConstantElements,
        maxRank,
        maxStringLength,
        maxLoopIterations);
  }

  /** The most constant elements in all (the captured weights the program carries). */
  public ProgramLimits withMaxTotalConstantElements(long n) {
    return new ProgramLimits(
        maxBytes,
        maxEquations,
        maxVariables,
        maxNestingDepth,
        maxTensorElements,
        n,
        maxRank,
        maxStringLength,
        maxLoopIterations);
  }

  /** The most dimensions of any tensor. */
  public ProgramLimits withMaxRank(int n) {
    return new ProgramLimits(
        maxBytes,
        maxEquations,
        maxVariables,
        maxNestingDepth,
        maxTensorElements,
        maxTotalConstantElements,
        n,
        maxStringLength,
        maxLoopIterations);
  }

  /** The longest string (a primitive or parameter name, a string parameter), in bytes. */
  public ProgramLimits withMaxStringLength(int n) {
    return new ProgramLimits(
        maxBytes,
        maxEquations,
        maxVariables,
        maxNestingDepth,
        maxTensorElements,
        maxTotalConstantElements,
        maxRank,
        n,
        maxLoopIterations);
  }

  /**
   * The most turns of any one loop: a {@code scan}'s length is checked when the program is read,
   * and every {@code while} loop gets this cap as its {@code max_iterations} parameter, so a loop
   * that runs longer fails when it reaches the cap. Loops nested in loops multiply: the work of a
   * program is bounded by this to the power of the nesting depth, so keep both small for clients
   * you do not trust. (Loops also stop when their thread is interrupted, as a cancelled Spark task
   * is.)
   */
  public ProgramLimits withMaxLoopIterations(long n) {
    return new ProgramLimits(
        maxBytes,
        maxEquations,
        maxVariables,
        maxNestingDepth,
        maxTensorElements,
        maxTotalConstantElements,
        maxRank,
        maxStringLength,
        n);
  }

  public long maxLoopIterations() {
    return maxLoopIterations;
  }

  public int maxBytes() {
    return maxBytes;
  }

  public int maxEquations() {
    return maxEquations;
  }

  public int maxVariables() {
    return maxVariables;
  }

  public int maxNestingDepth() {
    return maxNestingDepth;
  }

  public int maxTensorElements() {
    return maxTensorElements;
  }

  public long maxTotalConstantElements() {
    return maxTotalConstantElements;
  }

  public int maxRank() {
    return maxRank;
  }

  public int maxStringLength() {
    return maxStringLength;
  }

  @Override
  public String toString() {
    return "ProgramLimits[maxBytes="
        + maxBytes
        + ", maxEquations="
        + maxEquations
        + ", maxVariables="
        + maxVariables
        + ", maxNestingDepth="
        + maxNestingDepth
        + ", maxTensorElements="
        + maxTensorElements
        + ", maxTotalConstantElements="
        + maxTotalConstantElements
        + ", maxRank="
        + maxRank
        + ", maxStringLength="
        + maxStringLength
        + ", maxLoopIterations="
        + maxLoopIterations
        + "]";
  }

  private static int positive(String name, int v) {
    if (v <= 0) {
      throw new IllegalArgumentException(name + " must be positive, got " + v);
    }
    return v;
  }

  private static int nonNegative(String name, int v) {
    if (v < 0) {
      throw new IllegalArgumentException(name + " must not be negative, got " + v);
    }
    return v;
  }

  private static long nonNegative(String name, long v) {
    if (v < 0) {
      throw new IllegalArgumentException(name + " must not be negative, got " + v);
    }
    return v;
  }
}
