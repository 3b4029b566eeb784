package org.vmap4j.gpu.ptx;

import org.vmap4j.Tensor;
import org.vmap4j.kernel.IndexLoad;

/**
 * What the launches of the index-checking kernels rendered by {@link PtxKernelRenderer} (gather,
 * scatter_add) share: the error word's value when every index was in range, which input holds the
 * indices, and the CPU's message for a flagged position. The caller sets the u32 error word to
 * {@value #NO_ERROR} before the launch; a thread that finds its index outside the bound lowers it
 * to its position by an atomic min, so the word ends as the smallest flagged position, which is the
 * one the CPU reports (see {@link #outOfRange}).
 */
public final class IndexPrimitives {
  /** The error word's value when every index was in range. */
  public static final int NO_ERROR = -1;

  private IndexPrimitives() {}

  /**
   * A rendered kernel: {@code n} threads (the {@code n} parameter); {@code checksIndices} for the
   * {@code err} parameter, whose index operand is input {@link #INDICES}; {@code startsFromOperand}
   * when the output must first hold a copy of input 0.
   */
  public record Kernel(String ptx, int n, boolean checksIndices, boolean startsFromOperand) {}

  /** The input of gather and scatter_add that holds the indices. */
  public static final int INDICES = 1;

  /**
   * The error the CPU raises for index {@code position} of {@code indices} (outside {@code [0,
   * load.bound())}), for a GPU step whose kernel flagged that position while checking {@code load}.
   */
  public static IndexOutOfBoundsException outOfRange(
      IndexLoad load, Tensor indices, int position, String where) {
    return new IndexOutOfBoundsException(
        load.what()
            + ": index "
            + indices.toLongArray()[position]
            + " at flat position "
            + position
            + " of the indices "
            + indices.type()
            + " is outside [0, "
            + load.bound()
            + ") ("
            + where
            + ")");
  }
}
