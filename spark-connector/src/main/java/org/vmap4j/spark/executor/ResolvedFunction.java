package org.vmap4j.spark.executor;

/**
 * A vmapUdf's function resolved against its input columns' Spark types on the driver: what runs on
 * executors.
 *
 * @param inputs the input columns, their kinds and per-example shapes, in argument order
 * @param outputs the output columns, in the order the kernel returns them
 * @param kernel what runs each batch
 */
public record ResolvedFunction(InputColumn[] inputs, OutputColumn[] outputs, BatchKernel kernel) {}
