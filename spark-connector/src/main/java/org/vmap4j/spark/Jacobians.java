package org.vmap4j.spark;

import java.util.Objects;
import java.util.function.UnaryOperator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import org.vmap4j.Func;
import org.vmap4j.Tensor;

/**
 * A per-row Jacobian column: {@code vmap(jacrev(fn))} (or {@code jacfwd} with {@link
 * #forwardMode()}) over each batch, built on {@link VmapUdf}. For {@code fn: [n] -> [m]} the column
 * holds each row's {@code [m, n]} Jacobian (shape: the output's shape followed by the input's) as
 * nested arrays, or flat with {@code configure(u -> u.matrixLayout(FLAT))}; the shape is in the
 * column's metadata either way.
 *
 * <pre>{@code
 * Dataset<Row> j = Jacobians.of((Tensor x) -> x.sin().mul(x.sum())).inputColumn("x").transform(df);
 * }</pre>
 */
public final class Jacobians {
  private final SerializableBiFunction<Object, Tensor, Tensor> fn;
  private final Object constants;
  private final boolean hasConstants;
  private final String column;
  private final String output;
  private final boolean forward;
  private final UnaryOperator<VmapUdf> options;

  private Jacobians(
      SerializableBiFunction<Object, Tensor, Tensor> fn,
      Object constants,
      boolean hasConstants,
      String column,
      String output,
      boolean forward,
      UnaryOperator<VmapUdf> options) {
    this.fn = fn;
    this.constants = constants;
    this.hasConstants = hasConstants;
    this.column = column;
    this.output = output;
    this.forward = forward;
    this.options = options;
  }

  /** The Jacobian of {@code fn} at each row's example. */
  public static Jacobians of(SerializableFunction<Tensor, Tensor> fn) {
    Objects.requireNonNull(fn, "fn");
    return new Jacobians((c, x) -> fn.apply(x), null, false, null, "jacobian", false, u -> u);
  }

  /**
   * The Jacobian of {@code fn(constants, x)} with respect to {@code x}; the constants (a pytree)
   * are broadcast once per executor.
   */
  @SuppressWarnings("unchecked")
  public static <P> Jacobians of(SerializableBiFunction<P, Tensor, Tensor> fn, P constants) {
    Objects.requireNonNull(fn, "fn");
    return new Jacobians(
        (c, x) -> fn.apply((P) c, x), constants, true, null, "jacobian", false, u -> u);
  }

  /** The input column (one). */
  public Jacobians inputColumn(String name) {
    return new Jacobians(
        fn, constants, hasConstants, Objects.requireNonNull(name), output, forward, options);
  }

  /** The output column's name ({@code jacobian} by default). */
  public Jacobians outputColumn(String name) {
    return new Jacobians(
        fn, constants, hasConstants, column, Objects.requireNonNull(name), forward, options);
  }

  /**
   * Forward mode ({@code jacfwd}): cheaper than reverse when the input is smaller than the output.
   */
  public Jacobians forwardMode() {
    return new Jacobians(fn, constants, hasConstants, column, output, true, options);
  }

  /** Any other {@link VmapUdf} option, applied to the underlying {@code VmapUdf}. */
  public Jacobians configure(UnaryOperator<VmapUdf> more) {
    Objects.requireNonNull(more, "more");
    UnaryOperator<VmapUdf> before = options;
    return new Jacobians(
        fn, constants, hasConstants, column, output, forward, u -> more.apply(before.apply(u)));
  }

  public VmapUdf toVmapUdf() {
    if (column == null) {
      throw new IllegalStateException("Jacobians: name the inputColumn(...)");
    }
    SerializableBiFunction<Object, Tensor, Tensor> f = fn;
    boolean fwd = forward;
    SerializableBiFunction<Object, Tensor, Tensor> jac =
        (c, x) ->
            fwd
                ? Func.jacfwd((Tensor v) -> f.apply(c, v)).apply(x)
                : Func.jacrev((Tensor v) -> f.apply(c, v)).apply(x);
    VmapUdf udf;
    if (hasConstants) {
      udf = VmapFunctions.vmapUdf(jac).constants(constants);
    } else {
      SerializableFunction<Tensor, Tensor> one = x -> jac.apply(null, x);
      udf = VmapFunctions.vmapUdf(one);
    }
    return options.apply(
        udf.inputColumns(column)
            .outputColumns(output)
            .differentiates(Differentiated.INPUTS, "Jacobians"));
  }

  public Dataset<Row> transform(Dataset<Row> df) {
    return toVmapUdf().transform(df);
  }

  public StructType outputSchema(Dataset<Row> df) {
    return toVmapUdf().outputSchema(df);
  }
}
