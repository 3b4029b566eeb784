package org.vmap4j.cpu;

/**
 * A generated reduction over a row-major block: {@code rows} groups of {@code length} elements,
 * each group contiguous ({@code x[group * length + j]}). Groups that are interleaved instead run
 * through {@link Reductions.InterleavedReductionLoop}.
 */
public interface ReductionLoop {
  void run(Object x, int xOffset, Object out, int rows, int length);
}
