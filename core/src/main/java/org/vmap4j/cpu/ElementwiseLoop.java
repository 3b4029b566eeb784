package org.vmap4j.cpu;

/**
 * A generated loop over one row: {@code out[outOffset + i] = expr(in_0[i], in_1[i], ...)} for
 * {@code i < n}, where each input is either a row starting at its offset or a single value at its
 * offset broadcast along the row (which of the two is fixed when the loop is generated).
 */
public interface ElementwiseLoop {
  void run(Object[] inputs, int[] offsets, Object out, int outOffset, int n);
}
