package org.vmap4j.kernel;

import static org.vmap4j.kernel.ViewKernelsTest.flat;
import static org.vmap4j.kernel.ViewKernelsTest.size;

import java.util.Arrays;
import java.util.Random;
import org.vmap4j.DType;
import org.vmap4j.cpu.CpuTensor;
import org.vmap4j.interpreter.Params;
import org.vmap4j.prim.Gather;

/**
 * A random gather-like indexing for the tests of gather and scatter_add: an operand shape {@code
 * xs} with {@code nb} paired batch dimensions, an axis, and i32 or i64 indices {@code [batch...,
 * items...]} inside the axis, with size-0 and size-1 extents. {@link #operandIndex} is the plain
 * multi-index rule both primitives follow, written here independently of the kernels.
 */
record GatherCase(int nb, int axis, int[] xs, int[] is, long[] idx, CpuTensor indices) {

  static GatherCase random(Random random) {
    int nb = random.nextInt(2);
    int rank = nb + 1 + random.nextInt(3);
    int axis = nb + random.nextInt(rank - nb);
    int[] xs = new int[rank];
    for (int d = 0; d < rank; d++) {
      xs[d] = random.nextInt(4) + (d == axis ? 1 : 0);
    }
    int items = random.nextInt(3);
    int[] is = new int[nb + items];
    for (int d = 0; d < is.length; d++) {
      is[d] = d < nb ? xs[d] : random.nextInt(4);
    }
    DType it = random.nextBoolean() ? DType.I32 : DType.I64;
    // few positions along the axis: indices repeat (and scatter_add's updates accumulate)
    long[] idx = random.longs(size(is), 0, xs[axis]).toArray();
    CpuTensor indices =
        it == DType.I32
            ? CpuTensor.wrap(it, Arrays.stream(idx).mapToInt(v -> (int) v).toArray(), is)
            : CpuTensor.wrap(it, idx, is);
    return new GatherCase(nb, axis, xs, is, idx, indices);
  }

  Params params() {
    return Gather.params(axis, nb);
  }

  /**
   * The operand element that gather's result element (or scatter_add's update element) {@code o} =
   * {@code [batch..., pre..., items..., post...]} reads (or adds to): batch and pre dimensions as
   * they are, the axis from the index at {@code [batch..., items...]}, then the post dimensions.
   */
  int[] operandIndex(int[] o) {
    int rank = xs.length;
    int items = is.length - nb;
    int[] src = new int[rank];
    int[] at = new int[is.length];
    for (int d = 0; d < nb; d++) {
      src[d] = o[d];
      at[d] = o[d];
    }
    for (int d = nb; d < axis; d++) {
      src[d] = o[d];
    }
    for (int d = 0; d < items; d++) {
      at[nb + d] = o[axis + d];
    }
    src[axis] = (int) idx[flat(is, at)];
    for (int d = axis + 1; d < rank; d++) {
      src[d] = o[d - 1 + items];
    }
    return src;
  }

  @Override
  public String toString() {
    return "axis " + axis + " of " + Arrays.toString(xs) + " by " + Arrays.toString(is);
  }
}
