package org.vmap4j.spark;

import java.io.Serializable;
import java.util.List;
import org.vmap4j.Tensor;

/**
 * What a {@link VmapUdf} ships to executors and runs on every batch: flat, batched inputs (one
 * {@code [B, ...]} tensor per input column, in column order) to flat, batched outputs (one {@code
 * [B, ...]} tensor per output column).
 *
 * <p>Today the only implementation is {@link EagerKernel}: the user's per-example function, run
 * under {@code vmap} eagerly on each batch. When core's {@code jit} lands, a kernel holding the
 * traced and optimized {@code Program} (cache key: the program's hash) replaces it without any
 * change to the executor side, which only sees this interface: batching, Arrow conversion, error
 * handling and output writing stay as they are.
 */
public interface BatchKernel extends Serializable {

  /**
   * The key under which an executor JVM keeps the prepared kernel, so that it is prepared once per
   * JVM and reused by every batch and task: unique per {@link VmapUdf#transform} today, the
   * program's hash once programs exist.
   */
  String cacheKey();

  /**
   * Everything done once per executor JVM: today, receiving the unmapped constants (already rebuilt
   * from the broadcast); with programs, compiling.
   *
   * @param constants the unmapped constants' pytree, or null when there are none
   */
  Prepared prepare(Object constants);

  /** A kernel ready to run batches; must be safe to call from several task threads at once. */
  interface Prepared {
    /**
     * Runs one batch.
     *
     * @param inputs one tensor per input column, each {@code [B, per-example shape...]}
     * @return one tensor per output, each {@code [B, per-example shape...]}, in the order the
     *     output columns were declared
     */
    List<Tensor> run(List<Tensor> inputs);

    /**
     * Runs one batch whose first row is row {@code firstRow} of partition {@code partition}: what
     * keys per-row random numbers ({@link VmapUdf#randomness}); other kernels ignore it.
     */
    default List<Tensor> run(List<Tensor> inputs, int partition, long firstRow) {
      return run(inputs);
    }
  }
}
