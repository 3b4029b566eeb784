package org.vmap4j.spark.executor;

import java.io.Serializable;
import java.util.List;
import org.vmap4j.Tensor;
import org.vmap4j.spark.VmapUdf;

/**
 * What a {@link VmapUdf} ships to executors and runs on every batch: flat, batched inputs (one
 * {@code [B, ...]} tensor per input column, in column order) to flat, batched outputs (one {@code
 * [B, ...]} tensor per output column).
 *
 * <p>Two implementations: {@link ProgramKernel}, the program the driver traced (cache key: the
 * program's hash), used whenever the function traces; and {@link EagerKernel}, the function itself
 * jitted on each executor, for the functions that do not trace on the driver. The executor side
 * (batching, Arrow conversion, error handling, output writing) sees only this interface.
 */
public interface BatchKernel extends Serializable {

  /**
   * The key under which an executor JVM keeps the prepared kernel ({@link ExecutorRuntime}), so
   * that it is prepared once per JVM and reused by every batch and task: the program's hash (and
   * seed) for a {@link ProgramKernel}, a fresh id per driver-side resolution of the function for an
   * {@link EagerKernel}.
   */
  String cacheKey();

  /**
   * Everything done once per executor JVM: receiving the unmapped constants (already rebuilt from
   * the broadcast) and compiling.
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
