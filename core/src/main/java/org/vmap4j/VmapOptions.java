package org.vmap4j;

/**
 * Everything {@code vmap} can be told, as an immutable value with "wither" methods:
 *
 * <pre>{@code
 * VmapOptions o = VmapOptions.defaults().inDims(null, 0).chunkSize(256).randomness(Randomness.SAME);
 * BiFunction<Tensor, Tensor, Tensor> g = Func.vmap(f, o);
 * }</pre>
 *
 * <ul>
 *   <li>{@code inDims} / {@code outDims}: see {@link InDims} and {@link OutDims}; by default every
 *       argument and every result is mapped at dimension 0.
 *   <li>{@code chunkSize}: evaluate the mapped dimension in pieces of this many examples and join
 *       the results (bounds memory; the result is the same). 0 = one piece.
 *   <li>{@code randomness}: see {@link Randomness}; {@code ERROR} by default.
 *   <li>{@code axisSize}: the number of examples when no argument is mapped.
 * </ul>
 */
public final class VmapOptions {
  private static final VmapOptions DEFAULTS = new VmapOptions(null, null, 0, Randomness.ERROR, -1);

  private final InDims inDims;
  private final OutDims outDims;
  private final int chunkSize;
  private final Randomness randomness;
  private final int axisSize;

  private VmapOptions(
      InDims inDims, OutDims outDims, int chunkSize, Randomness randomness, int axisSize) {
    this.inDims = inDims;
    this.outDims = outDims;
    this.chunkSize = chunkSize;
    this.randomness = randomness;
    this.axisSize = axisSize;
  }

  public static VmapOptions defaults() {
    return DEFAULTS;
  }

  public VmapOptions inDims(InDims dims) {
    return new VmapOptions(dims, outDims, chunkSize, randomness, axisSize);
  }

  public VmapOptions inDims(Integer... dims) {
    return inDims(InDims.of(dims));
  }

  public VmapOptions outDims(OutDims dims) {
    return new VmapOptions(inDims, dims, chunkSize, randomness, axisSize);
  }

  public VmapOptions outDims(Integer... dims) {
    return outDims(OutDims.of(dims));
  }

  public VmapOptions chunkSize(int size) {
    if (size < 0) {
      throw new IllegalArgumentException(
          "vmap: chunkSize must be positive (or 0 for none), got " + size);
    }
    return new VmapOptions(inDims, outDims, size, randomness, axisSize);
  }

  public VmapOptions randomness(Randomness mode) {
    return new VmapOptions(inDims, outDims, chunkSize, mode, axisSize);
  }

  public VmapOptions axisSize(int size) {
    if (size < 0) {
      throw new IllegalArgumentException("vmap: axisSize must not be negative, got " + size);
    }
    return new VmapOptions(inDims, outDims, chunkSize, randomness, size);
  }

  /** Null when not given: every argument mapped at 0. */
  public InDims inDims() {
    return inDims;
  }

  /** Null when not given: every result mapped at 0. */
  public OutDims outDims() {
    return outDims;
  }

  public int chunkSize() {
    return chunkSize;
  }

  public Randomness randomness() {
    return randomness;
  }

  /** -1 when not given. */
  public int axisSize() {
    return axisSize;
  }
}
