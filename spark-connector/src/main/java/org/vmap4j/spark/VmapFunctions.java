package org.vmap4j.spark;

/**
 * Entry points, for {@code import static org.vmap4j.spark.VmapFunctions.*;}:
 *
 * <pre>{@code
 * Dataset<Row> out = vmapUdf((Tensor x) -> x.square().sum()).inputColumns("x").transform(df);
 * }</pre>
 */
public final class VmapFunctions {
  private VmapFunctions() {}

  /**
   * A {@link VmapUdf} from a per-example function of one argument: the example of one input column
   * (a tensor) or of several (a {@code Map<String, Tensor>} by column name). The result is any
   * pytree of tensors: each tensor becomes one output column.
   */
  @SuppressWarnings("unchecked")
  public static <A, R> VmapUdf vmapUdf(SerializableFunction<A, R> fn) {
    java.util.Objects.requireNonNull(fn, "fn");
    SerializableFunction<Object[], Object> callable = args -> fn.apply((A) args[0]);
    return new VmapUdf(callable, 1);
  }

  /**
   * A {@link VmapUdf} from a per-example function of two arguments: with {@link
   * VmapUdf#constants(Object)}, the constants and the example; without, the examples of two input
   * columns.
   */
  @SuppressWarnings("unchecked")
  public static <A, B, R> VmapUdf vmapUdf(SerializableBiFunction<A, B, R> fn) {
    java.util.Objects.requireNonNull(fn, "fn");
    SerializableFunction<Object[], Object> callable = args -> fn.apply((A) args[0], (B) args[1]);
    return new VmapUdf(callable, 2);
  }

  /**
   * A {@link VmapUdf} from a per-example function of three arguments: with {@link
   * VmapUdf#constants(Object)}, the constants and the examples of two input columns; without, the
   * examples of three input columns, one per argument in the order of {@code inputColumns}.
   */
  @SuppressWarnings("unchecked")
  public static <A, B, C, R> VmapUdf vmapUdf(SerializableFn3<A, B, C, R> fn) {
    java.util.Objects.requireNonNull(fn, "fn");
    SerializableFunction<Object[], Object> callable =
        args -> fn.apply((A) args[0], (B) args[1], (C) args[2]);
    return new VmapUdf(callable, 3);
  }

  /**
   * A {@link VmapUdf} from a per-example function of four arguments: with {@link
   * VmapUdf#constants(Object)}, the constants and the examples of three input columns; without, the
   * examples of four input columns, one per argument.
   */
  @SuppressWarnings("unchecked")
  public static <A, B, C, D, R> VmapUdf vmapUdf(SerializableFn4<A, B, C, D, R> fn) {
    java.util.Objects.requireNonNull(fn, "fn");
    SerializableFunction<Object[], Object> callable =
        args -> fn.apply((A) args[0], (B) args[1], (C) args[2], (D) args[3]);
    return new VmapUdf(callable, 4);
  }
}
