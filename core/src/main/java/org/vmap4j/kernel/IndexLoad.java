package org.vmap4j.kernel;

/**
 * A gather-like read: at each point of the iteration space, the value of kernel input {@code input}
 * (an I32 or I64 input, read through its own view) times {@code stride} is added to the offset of
 * the view that holds this load. Every value of that input must lie in {@code [0, bound)}; a
 * backend checks all of them (also those no point reads) and reports the first one outside as
 * {@code <what>: index v at flat position k of the indices <type> is outside [0, bound)}, so that
 * every backend fails where the CPU does.
 *
 * @param input the kernel input holding the indices
 * @param stride elements of the viewed input per index step
 * @param bound the number of valid index values
 * @param what the primitive's name, for the out-of-range error
 */
public record IndexLoad(int input, int stride, int bound, String what) {
  public IndexLoad {
    if (input < 0 || bound < 0) {
      throw new IllegalArgumentException(
          "an index load needs an input number and a bound >= 0, got input "
              + input
              + ", bound "
              + bound);
    }
  }
}
