/**
 * Internal: what runs on Spark executors. A {@link org.vmap4j.spark.executor.PartitionProcessor}
 * cuts a partition's rows into batches, turns each batch's input columns ({@link
 * org.vmap4j.spark.executor.InputColumn}) into {@code [B, ...]} tensors (through Arrow vectors of a
 * task-owned allocator, {@link org.vmap4j.spark.executor.TaskArrowMemory}, or straight into Java
 * arrays), runs the shipped {@link org.vmap4j.spark.executor.BatchKernel} once per batch on the
 * executor's backend ({@link org.vmap4j.spark.executor.TaskBackend}), and writes the outputs back
 * ({@link org.vmap4j.spark.executor.OutputColumn}). {@link
 * org.vmap4j.spark.executor.ExampleBatchReader} reads a partition's batches the same way, through
 * the same batch buffers, for the DataFrame clipped sum, which reduces the rows instead of writing
 * back to each. What an executor JVM keeps between tasks lives in one object, {@link
 * org.vmap4j.spark.executor.ExecutorRuntime}.
 *
 * <p>Everything here is built on the driver (by the connector's planner) and shipped; nothing here
 * plans. Public only because the connector's packages call each other; not API: it may change in
 * any release.
 */
package org.vmap4j.spark.executor;
