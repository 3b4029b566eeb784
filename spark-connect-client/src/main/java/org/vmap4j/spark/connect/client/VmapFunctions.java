package org.vmap4j.spark.connect.client;

import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Entry points of the Spark Connect client, named as the classic connector's {@code
 * org.vmap4j.spark.VmapFunctions}.
 */
public final class VmapFunctions {
  private VmapFunctions() {}

  /** A function of one argument: one column's example, or a map of several by name. */
  @SuppressWarnings("unchecked")
  public static <A, R> VmapUdf vmapUdf(Function<A, R> fn) {
    Objects.requireNonNull(fn, "fn");
    return new VmapUdf((c, xs) -> fn.apply((A) xs.get(0)), 1);
  }

  /** A function of the constants and the example, or of exactly two columns' examples. */
  @SuppressWarnings("unchecked")
  public static <A, B, R> VmapUdf vmapUdf(BiFunction<A, B, R> fn) {
    Objects.requireNonNull(fn, "fn");
    return new VmapUdf((c, xs) -> fn.apply((A) c, (B) xs.get(0)), 2);
  }
}
