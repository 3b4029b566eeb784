package org.vmap4j.spark.connect.client;

import java.util.List;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.vmap4j.DType;
import org.vmap4j.Tensor;
import org.vmap4j.remote.RemoteCall;

/**
 * Each row's Jacobian of a function of one column, for a remote Spark Connect session: the client
 * face of the classic {@code org.vmap4j.spark.Jacobians} ({@code jacrev}, or {@code jacfwd} with
 * {@link #forwardMode()}; one column {@code jacobian} of shape out ++ in).
 */
public final class Jacobians {
  private final BiFunction<Object, Tensor, Tensor> fn;
  private final Object constants;
  private String column;
  private String output = "jacobian";
  private boolean forward;
  private int[] shape;
  private DType dtype = DType.F64;
  private int batchSize;

  private Jacobians(BiFunction<Object, Tensor, Tensor> fn, Object constants) {
    this.fn = fn;
    this.constants = constants;
  }

  private Jacobians copy() {
    Jacobians c = new Jacobians(fn, constants);
    c.column = column;
    c.output = output;
    c.forward = forward;
    c.shape = shape;
    c.dtype = dtype;
    c.batchSize = batchSize;
    return c;
  }

  /** The Jacobian of {@code fn} at each row's example. */
  public static Jacobians of(Function<Tensor, Tensor> fn) {
    Objects.requireNonNull(fn, "fn");
    return new Jacobians((c, x) -> fn.apply(x), null);
  }

  /** The Jacobian of {@code fn(constants, x)} with respect to {@code x}. */
  @SuppressWarnings("unchecked")
  public static <P> Jacobians of(BiFunction<P, Tensor, Tensor> fn, P constants) {
    Objects.requireNonNull(fn, "fn");
    return new Jacobians((c, x) -> fn.apply((P) c, x), Objects.requireNonNull(constants));
  }

  /** The input column (one). */
  public Jacobians inputColumn(String name) {
    Jacobians c = copy();
    c.column = Objects.requireNonNull(name);
    return c;
  }

  /** The output column's name ({@code jacobian} by default). */
  public Jacobians outputColumn(String name) {
    Jacobians c = copy();
    c.output = Objects.requireNonNull(name);
    return c;
  }

  /** Forward mode ({@code jacfwd}). */
  public Jacobians forwardMode() {
    Jacobians c = copy();
    c.forward = true;
    return c;
  }

  /** The input's per-example shape (required: the client traces before reading data). */
  public Jacobians shape(int... dims) {
    Jacobians c = copy();
    c.shape = dims.clone();
    return c;
  }

  /** The input's element type (F64 unless declared). */
  public Jacobians dtype(DType type) {
    Jacobians c = copy();
    c.dtype = Objects.requireNonNull(type);
    return c;
  }

  /** Rows per kernel call on the server. */
  public Jacobians batchSize(int rows) {
    if (rows <= 0) {
      throw new IllegalArgumentException("batchSize must be positive, got " + rows);
    }
    Jacobians c = copy();
    c.batchSize = rows;
    return c;
  }

  public Dataset<Row> transform(Dataset<Row> df) {
    return RemoteColumns.append(df, call(), List.of(column), List.of(output));
  }

  /** The Jacobian as a Column on the input column. */
  public Column asColumn() {
    return RemoteColumns.column(call(), org.apache.spark.sql.functions.col(column));
  }

  RemoteCall call() {
    if (column == null) {
      throw new IllegalStateException("Jacobians: name the inputColumn(...)");
    }
    if (shape == null) {
      throw new IllegalStateException(
          "Jacobians: declare the input's per-example shape with shape(dims...): a remote client"
              + " traces the function before any data is read");
    }
    Traced.Result t =
        Traced.trace(constants, List.of(dtype), List.of(shape), (c, xs) -> fn.apply(c, xs.get(0)));
    return new RemoteCall(
        RemoteCall.Kind.JACOBIANS,
        t.program(),
        t.constants(),
        List.of(column),
        List.of(shape),
        List.of(output),
        batchSize,
        false,
        forward,
        "",
        0,
        List.of());
  }
}
