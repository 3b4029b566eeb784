package org.vmap4j.cpu;

/**
 * A generated reduction over a row-major block: {@code rows} groups of {@code length} elements,
 * either each group contiguous ({@code x[group * length + j]}) or the groups interleaved ({@code
 * x[j * rows + group]}); which one is fixed when the loop is generated.
 */
public interface ReductionLoop {
  void run(Object x, int xOffset, Object out, int rows, int length);
}
