package org.vmap4j.ir;

/**
 * Bounds on a serialized program read from an untrusted source ({@link
 * ProgramSerializer#fromUntrustedBytes}), such as the bytes a Spark Connect client sends. Each
 * bound caps what the reader may allocate or what the program may make a server allocate, recurse
 * into or repeat, so a hostile or corrupt program is rejected before anything large is allocated.
 * Immutable: each {@code with...} method returns a copy with one bound changed.
 *
 * <p>{@link #defaults()} fits programs traced from per-example functions (models up to millions of
 * parameters, a few thousand equations); raise a bound for larger programs. The table of defaults
 * is in docs/design.md ("Untrusted programs").
 */
public final class ProgramLimits {
  private final int maxBytes;
  private final int maxEquations;
  private final int maxVariables;
  private final int maxNestingDepth;
  private final int maxTensorElements;
  private final long maxTotalElements;
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
      long maxTotalElements,
      long maxTotalConstantElements,
      int maxRank,
      int maxStringLength,
      long maxLoopIterations) {
    this.maxBytes = positive("maxBytes", maxBytes);
    this.maxEquations = positive("maxEquations", maxEquations);
    this.maxVariables = positive("maxVariables", maxVariables);
    this.maxNestingDepth = nonNegative("maxNestingDepth", maxNestingDepth);
    this.maxTensorElements = positive("maxTensorElements", maxTensorElements);
    this.maxTotalElements = nonNegative("maxTotalElements", maxTotalElements);
    this.maxTotalConstantElements =
        nonNegative("maxTotalConstantElements", maxTotalConstantElements);
    this.maxRank = nonNegative("maxRank", maxRank);
    this.maxStringLength = positive("maxStringLength", maxStringLength);
    this.maxLoopIterations = nonNegative("maxLoopIterations", maxLoopIterations);
  }

  /**
   * 64 MiB of bytes, 100,000 equations and 400,000 variables in all (sub-programs included),
   * sub-programs nested 8 deep, 16 Mi elements per tensor and 64 Mi in all (every variable, not
   * only constants), 16 Mi constant elements in all, rank 16, strings of 64 bytes, loops of
   * 1,000,000 turns.
   */
  public static ProgramLimits defaults() {
    return new ProgramLimits(
        64 << 20, 100_000, 400_000, 8, 1 << 24, 1L << 26, 1L << 24, 16, 64, 1_000_000);
  }

  /** The most bytes a serialized program may have. */
  public ProgramLimits withMaxBytes(int value) {
    return new ProgramLimits(
        value,
        maxEquations,
        maxVariables,
        maxNestingDepth,
        maxTensorElements,
        maxTotalElements,
        maxTotalConstantElements,
        maxRank,
        maxStringLength,
        maxLoopIterations);
  }

  /** The most equations, counting those of every sub-program. */
  public ProgramLimits withMaxEquations(int value) {
    return new ProgramLimits(
        maxBytes,
        value,
        maxVariables,
        maxNestingDepth,
        maxTensorElements,
        maxTotalElements,
        maxTotalConstantElements,
        maxRank,
        maxStringLength,
        maxLoopIterations);
  }

  /** The most variables (inputs, constants, equation results), counting every sub-program's. */
  public ProgramLimits withMaxVariables(int value) {
    return new ProgramLimits(
        maxBytes,
        maxEquations,
        value,
        maxNestingDepth,
        maxTensorElements,
        maxTotalElements,
        maxTotalConstantElements,
        maxRank,
        maxStringLength,
        maxLoopIterations);
  }

  /**
   * How deep sub-programs (the branches and bodies of control flow) may nest: 0 allows no control
   * flow, 1 allows a loop whose body has none, and so on.
   */
  public ProgramLimits withMaxNestingDepth(int value) {
    return new ProgramLimits(
        maxBytes,
        maxEquations,
        maxVariables,
        value,
        maxTensorElements,
        maxTotalElements,
        maxTotalConstantElements,
        maxRank,
        maxStringLength,
        maxLoopIterations);
  }

  /** The most elements of any one tensor the program declares: inputs, constants and results. */
  public ProgramLimits withMaxTensorElements(int value) {
    return new ProgramLimits(
        maxBytes,
        maxEquations,
        maxVariables,
        maxNestingDepth,
        value,
        maxTotalElements,
        maxTotalConstantElements,
        maxRank,
        maxStringLength,
        maxLoopIterations);
  }

  /**
   * The most elements of all the tensors the program declares together (every variable of every
   * sub-program counted once): a bound on the memory one run of the program can need per example,
   * however many equations it has.
   */
  public ProgramLimits withMaxTotalElements(long value) {
    return new ProgramLimits(
        maxBytes,
        maxEquations,
        maxVariables,
        maxNestingDepth,
        maxTensorElements,
        value,
        maxTotalConstantElements,
        maxRank,
        maxStringLength,
        maxLoopIterations);
  }

  /** The most constant elements in all (the captured weights the program carries). */
  public ProgramLimits withMaxTotalConstantElements(long value) {
    return new ProgramLimits(
        maxBytes,
        maxEquations,
        maxVariables,
        maxNestingDepth,
        maxTensorElements,
        maxTotalElements,
        value,
        maxRank,
        maxStringLength,
        maxLoopIterations);
  }

  /** The most dimensions of any tensor. */
  public ProgramLimits withMaxRank(int value) {
    return new ProgramLimits(
        maxBytes,
        maxEquations,
        maxVariables,
        maxNestingDepth,
        maxTensorElements,
        maxTotalElements,
        maxTotalConstantElements,
        value,
        maxStringLength,
        maxLoopIterations);
  }

  /** The longest string (a primitive or parameter name, a string parameter), in bytes. */
  public ProgramLimits withMaxStringLength(int value) {
    return new ProgramLimits(
        maxBytes,
        maxEquations,
        maxVariables,
        maxNestingDepth,
        maxTensorElements,
        maxTotalElements,
        maxTotalConstantElements,
        maxRank,
        value,
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
  public ProgramLimits withMaxLoopIterations(long value) {
    return new ProgramLimits(
        maxBytes,
        maxEquations,
        maxVariables,
        maxNestingDepth,
        maxTensorElements,
        maxTotalElements,
        maxTotalConstantElements,
        maxRank,
        maxStringLength,
        value);
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

  public long maxTotalElements() {
    return maxTotalElements;
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

  public long maxLoopIterations() {
    return maxLoopIterations;
  }

  @Override
  public String toString() {
    return "ProgramLimits["
        + "maxBytes="
        + maxBytes
        + ", maxEquations="
        + maxEquations
        + ", maxVariables="
        + maxVariables
        + ", maxNestingDepth="
        + maxNestingDepth
        + ", maxTensorElements="
        + maxTensorElements
        + ", maxTotalElements="
        + maxTotalElements
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
