package org.vmap4j.spark.connect.client;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.vmap4j.DType;
import org.vmap4j.Tensor;
import org.vmap4j.remote.RemoteCall;

/**
 * A per-example function for a remote Spark Connect session: the Spark Connect face of the classic
 * connector's {@code org.vmap4j.spark.VmapUdf}. Build one with {@link VmapFunctions#vmapUdf}; each
 * method returns a new instance. The function is traced here, on the client, when the udf is
 * applied ({@link #apply}, {@link #transform}, {@link #register}); only the traced program and its
 * constants travel, and the server's vmap4j plugin runs it as the classic {@code VmapEval}.
 *
 * <p>Arguments are bound as in the classic connector: a one-argument function gets its one column's
 * tensor, or a {@code Map<String, Tensor>} of several keyed by argument name; a two-argument
 * function gets {@link #constants} then the example, or without constants exactly two columns.
 *
 * <p><b>Shapes and dtypes are declared</b>: the client traces before any row is read and does not
 * ask the server for the schema, so every array argument needs {@link #shape(int, int...)} (or by
 * name); dtypes default to F64 ({@code double} columns), else {@link #dtype(int, DType)}. A column
 * that does not match fails on the server with the argument, both types and the fix.
 */
public final class VmapUdf {
  private final BiFunction<Object, List<Object>, Object> fn;
  private final int arity;
  private Object constants;
  private List<String> inputColumns = List.of();
  private Map<Integer, int[]> shapesByPosition = Map.of();
  private Map<String, int[]> shapesByName = Map.of();
  private Map<Integer, DType> dtypes = Map.of();
  private List<String> outputColumns = List.of();
  private String outputPrefix = "output";
  private int batchSize;

  VmapUdf(BiFunction<Object, List<Object>, Object> fn, int arity) {
    this.fn = fn;
    this.arity = arity;
  }

  private VmapUdf copy() {
    VmapUdf c = new VmapUdf(fn, arity);
    c.constants = constants;
    c.inputColumns = inputColumns;
    c.shapesByPosition = shapesByPosition;
    c.shapesByName = shapesByName;
    c.dtypes = dtypes;
    c.outputColumns = outputColumns;
    c.outputPrefix = outputPrefix;
    c.batchSize = batchSize;
    return c;
  }

  /** The unmapped first argument of a two-argument function (a pytree, sent once). */
  public VmapUdf constants(Object pytree) {
    VmapUdf c = copy();
    c.constants = Objects.requireNonNull(pytree, "constants");
    return c;
  }

  /**
   * The columns {@link #transform} reads, in argument order; also the names {@link #register}
   * binds.
   */
  public VmapUdf inputColumns(String... columns) {
    VmapUdf c = copy();
    c.inputColumns = List.of(columns);
    return c;
  }

  /** The per-example shape of the argument at {@code position} (0-based); none for a scalar. */
  public VmapUdf shape(int position, int... shape) {
    VmapUdf c = copy();
    Map<Integer, int[]> m = new HashMap<>(shapesByPosition);
    m.put(position, shape.clone());
    c.shapesByPosition = Map.copyOf(m);
    return c;
  }

  /** The per-example shape of the argument bound under {@code name}. */
  public VmapUdf shape(String name, int... shape) {
    VmapUdf c = copy();
    Map<String, int[]> m = new LinkedHashMap<>(shapesByName);
    m.put(name, shape.clone());
    c.shapesByName = m;
    return c;
  }

  /** The element type of the argument at {@code position} (F64 unless declared). */
  public VmapUdf dtype(int position, DType dtype) {
    VmapUdf c = copy();
    Map<Integer, DType> m = new HashMap<>(dtypes);
    m.put(position, Objects.requireNonNull(dtype));
    c.dtypes = Map.copyOf(m);
    return c;
  }

  /** One name per output tensor (default: from the result's pytree, as classic). */
  public VmapUdf outputColumns(String... names) {
    VmapUdf c = copy();
    c.outputColumns = List.of(names);
    return c;
  }

  /** The name of a single unnamed output, or the prefix of derived names ({@code output}). */
  public VmapUdf outputPrefix(String prefix) {
    VmapUdf c = copy();
    c.outputPrefix = Objects.requireNonNull(prefix);
    return c;
  }

  /** Rows per kernel call on the server (default: the server session's Arrow batch size). */
  public VmapUdf batchSize(int rows) {
    if (rows <= 0) {
      throw new IllegalArgumentException("batchSize must be positive, got " + rows);
    }
    VmapUdf c = copy();
    c.batchSize = rows;
    return c;
  }

  /**
   * The function as a Column on {@code arguments}: one output is its own column, several a struct
   * with a field per output (as classic). Arguments are bound under their column names ({@code
   * col("x")}, an alias), else {@code argN}; {@link #inputColumns} given first renames them.
   */
  public Column apply(Column... arguments) {
    if (arguments.length == 0) {
      throw new IllegalArgumentException("vmapUdf: apply needs at least one argument column");
    }
    List<String> names =
        inputColumns.size() == arguments.length ? inputColumns : RemoteColumns.names(arguments);
    return RemoteColumns.column(call(names), arguments);
  }

  /** {@code df}'s rows with the outputs appended as columns (reads {@link #inputColumns}). */
  public Dataset<Row> transform(Dataset<Row> df) {
    if (inputColumns.isEmpty()) {
      throw new IllegalStateException("vmapUdf: name the inputColumns(...) that transform reads");
    }
    RemoteCall call = call(inputColumns);
    return RemoteColumns.append(df, call, inputColumns, call.outputNames());
  }

  /** Registers the function as the remote session's SQL function {@code name}. */
  public void register(SparkSession spark, String name) {
    if (inputColumns.isEmpty()) {
      throw new IllegalStateException(
          "vmapUdf: register needs inputColumns(...): the number and names of the SQL function's"
              + " arguments, which the client traces it at");
    }
    RemoteColumns.register(spark, name, call(inputColumns));
  }

  /** Traces the function at the arguments {@code names} and their declared shapes and dtypes. */
  RemoteCall call(List<String> names) {
    int n = names.size();
    boolean hasConstants = constants != null;
    if (arity == 2 && !hasConstants && n != 2) {
      throw new IllegalArgumentException(
          "vmapUdf: a two-argument function takes constants(...) and the example, or exactly two"
              + " columns; got "
              + n
              + " columns "
              + names
              + " and no constants");
    }
    if (arity == 1 && hasConstants) {
      throw new IllegalArgumentException(
          "vmapUdf: constants(...) need a two-argument function (constants, example)");
    }
    List<int[]> shapes = new ArrayList<>();
    List<DType> types = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      shapes.add(Traced.shape(shapesByPosition, shapesByName, names, i, "vmapUdf"));
      types.add(dtypes.getOrDefault(i, DType.F64));
    }
    Traced.Result t =
        Traced.trace(
            constants,
            types,
            shapes,
            (c, xs) -> {
              if (arity == 2 && !hasConstants) {
                return fn.apply(xs.get(0), List.of(xs.get(1)));
              }
              Object example;
              if (n == 1) {
                example = xs.get(0);
              } else {
                Map<String, Tensor> byName = new LinkedHashMap<>();
                for (int i = 0; i < n; i++) {
                  byName.put(names.get(i), xs.get(i));
                }
                example = byName;
              }
              return fn.apply(c, List.of(example));
            });
    List<String> outputs =
        outputColumns.isEmpty() ? Traced.outputNames(t.resultDef(), outputPrefix) : outputColumns;
    return new RemoteCall(
        RemoteCall.Kind.VMAP_UDF,
        t.program(),
        t.constants(),
        names,
        shapes,
        outputs,
        batchSize,
        false,
        false,
        "",
        0,
        List.of());
  }
}
