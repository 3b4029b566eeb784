package org.vmap4j;

/**
 * Options of {@link Func#scan}: {@code reverse} scans from the last slice to the first (ys stay
 * indexed by slice), {@code length} gives the number of steps when there are no xs, and {@code
 * saveEvery} is the checkpointing knob of reverse mode (see docs/core.md, "Control flow").
 */
public final class ScanOptions {
  private final boolean reverse;
  private final int length;
  private final int saveEvery;

  private ScanOptions(boolean reverse, int length, int saveEvery) {
    this.reverse = reverse;
    this.length = length;
    this.saveEvery = saveEvery;
  }

  /** Forward, length from the xs, every carry saved for reverse mode. */
  public static ScanOptions defaults() {
    return new ScanOptions(false, -1, 0);
  }

  public ScanOptions reverse(boolean reverse) {
    return new ScanOptions(reverse, length, saveEvery);
  }

  /**
   * The number of steps; required when xs has no leaves (null xs), checked against xs otherwise.
   */
  public ScanOptions length(int length) {
    if (length < 0) {
      throw new IllegalArgumentException("scan: length must be >= 0, got " + length);
    }
    return new ScanOptions(reverse, length, saveEvery);
  }

  /**
   * Reverse mode keeps only every {@code k}-th carry and recomputes the steps between them during
   * the backward pass (k = 0 or 1: keep every carry).
   */
  public ScanOptions saveEvery(int k) {
    if (k < 0) {
      throw new IllegalArgumentException("scan: saveEvery must be >= 0, got " + k);
    }
    return new ScanOptions(reverse, length, k);
  }

  public boolean reverse() {
    return reverse;
  }

  /** The requested length, or -1 to take it from the xs. */
  public int length() {
    return length;
  }

  public int saveEvery() {
    return saveEvery;
  }
}
