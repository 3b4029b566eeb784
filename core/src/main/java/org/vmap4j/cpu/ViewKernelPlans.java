package org.vmap4j.cpu;

import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.vmap4j.kernel.KernelDescription;

/**
 * What {@link ViewKernels#run} works out from a kernel description alone, before it looks at the
 * input arrays: the iteration space after merging dimensions, each input's and the output's strides
 * over it, the index loads' strides and the compiled loop. None of it depends on the arrays' values
 * or offsets, so an eager call that states the same description again (the common case: the same
 * gather on every training step) reuses it instead of merging dimensions, building the loop's
 * structure key and looking the loop up again: a few hundred nanoseconds, which a 32-element gather
 * of about a microsecond measured (docs/performance.md, "benchmark figures within 1.1x").
 *
 * <p>Descriptions are compared by content ({@link Key}); a description's arrays are never modified
 * after construction. The cache holds at most {@link #MAX_PLANS} plans and is emptied when full, so
 * that eager code running many different shapes does not grow it without bound.
 */
final class ViewKernelPlans {
  private ViewKernelPlans() {}

  /**
   * The merged iteration space and strides ({@code strides[inputs]} is the output's), the index
   * loads' strides per input, and the loop compiled for them.
   */
  record Plan(int[] shape, int[][] strides, int[][] loadStrides, ViewKernels.ViewLoop loop) {}

  static final int MAX_PLANS = 4096;

  private static final ConcurrentHashMap<Key, Plan> PLANS = new ConcurrentHashMap<>();

  /** The plan of {@code k}, made by {@code make} the first time this description is seen. */
  static Plan of(KernelDescription k, Function<KernelDescription, Plan> make) {
    Key key = new Key(k);
    Plan plan = PLANS.get(key);
    if (plan == null) {
      if (PLANS.size() >= MAX_PLANS) {
        PLANS.clear();
      }
      plan = make.apply(k);
      PLANS.putIfAbsent(key, plan);
    }
    return plan;
  }

  /**
   * A description compared by content: the record's own equality compares its {@code shape} array
   * by identity. The hash is computed once, since a lookup both hashes and compares.
   */
  private static final class Key {
    private final KernelDescription k;
    private final int hash;

    Key(KernelDescription k) {
      this.k = k;
      this.hash =
          Objects.hash(k.steps(), k.result(), k.resultType(), k.inputTypes(), k.views()) * 31
              + Arrays.hashCode(k.shape());
    }

    @Override
    public int hashCode() {
      return hash;
    }

    @Override
    public boolean equals(Object o) {
      if (!(o instanceof Key other) || other.hash != hash) {
        return false;
      }
      KernelDescription b = other.k;
      return Arrays.equals(k.shape(), b.shape())
          && k.resultType() == b.resultType()
          && k.reduce() == b.reduce()
          && k.reducedDims() == b.reducedDims()
          && k.result().equals(b.result())
          && k.inputTypes().equals(b.inputTypes())
          && k.views().equals(b.views())
          && k.steps().equals(b.steps());
    }
  }
}
