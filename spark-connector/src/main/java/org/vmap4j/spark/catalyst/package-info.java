/**
 * Internal: vmap4j's Catalyst nodes. A vmapUdf call is an unevaluable expression ({@link
 * org.vmap4j.spark.catalyst.VmapUdfExpression}) that the planner strategy ({@link
 * org.vmap4j.spark.catalyst.VmapStrategy}) takes out of its operator into a batched node ({@link
 * org.vmap4j.spark.catalyst.VmapEvalNode}, planned as {@link
 * org.vmap4j.spark.catalyst.VmapEvalExec}). The nodes reach the udf only through {@link
 * org.vmap4j.spark.catalyst.VmapCallPlanner}, and the executors only through the processors it
 * builds.
 *
 * <p>Public only because Catalyst copies plan nodes through their public constructors and the
 * connector's packages call each other; not API: it may change in any release. Users install the
 * strategy with {@code org.vmap4j.spark.VmapSparkExtensions} or {@code VmapSpark.install}.
 */
package org.vmap4j.spark.catalyst;
