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
import org.vmap4j.DType;
import org.vmap4j.Tensor;
import org.vmap4j.Tree;
import org.vmap4j.remote.RemoteCall;

/**
 * Per-row gradients of a loss with respect to parameters, for a remote Spark Connect session: the
 * client face of the classic {@code org.vmap4j.spark.PerSampleGradients}, with the same options and
 * column names ({@code grad_<path>}, or one {@code grad} vector with {@link #flat()}, then the norm
 * column). The loss is traced here at the declared shapes; the server differentiates it with the
 * classic connector's code.
 */
public final class PerSampleGradients {
  private final BiFunction<Object, Object, Tensor> loss;
  private final Object params;
  private List<String> columns = List.of();
  private Map<Integer, int[]> shapesByPosition = Map.of();
  private Map<String, int[]> shapesByName = Map.of();
  private Map<Integer, DType> dtypes = Map.of();
  private String prefix = "grad";
  private boolean flat;
  private String normColumn = "";
  private double clip;
  private int batchSize;

  private PerSampleGradients(BiFunction<Object, Object, Tensor> loss, Object params) {
    this.loss = loss;
    this.params = params;
  }

  private PerSampleGradients copy() {
    PerSampleGradients c = new PerSampleGradients(loss, params);
    c.columns = columns;
    c.shapesByPosition = shapesByPosition;
    c.shapesByName = shapesByName;
    c.dtypes = dtypes;
    c.prefix = prefix;
    c.flat = flat;
    c.normColumn = normColumn;
    c.clip = clip;
    c.batchSize = batchSize;
    return c;
  }

  /** Gradients of {@code lossFn(params, example)} with respect to {@code params} (a pytree). */
  @SuppressWarnings("unchecked")
  public static <P, X> PerSampleGradients of(BiFunction<P, X, Tensor> lossFn, P params) {
    Objects.requireNonNull(lossFn, "lossFn");
    Tree.flatten(params);
    return new PerSampleGradients((p, x) -> lossFn.apply((P) p, (X) x), params);
  }

  /** The example's columns: one gives a tensor, several a {@code Map<String, Tensor>}. */
  public PerSampleGradients inputColumns(String... names) {
    PerSampleGradients c = copy();
    c.columns = List.of(names);
    return c;
  }

  /** The per-example shape of the input at {@code position} (none for a scalar). */
  public PerSampleGradients shape(int position, int... shape) {
    PerSampleGradients c = copy();
    Map<Integer, int[]> m = new HashMap<>(shapesByPosition);
    m.put(position, shape.clone());
    c.shapesByPosition = Map.copyOf(m);
    return c;
  }

  /** The per-example shape of the input column {@code name}. */
  public PerSampleGradients shape(String name, int... shape) {
    PerSampleGradients c = copy();
    Map<String, int[]> m = new LinkedHashMap<>(shapesByName);
    m.put(name, shape.clone());
    c.shapesByName = m;
    return c;
  }

  /** The element type of the input at {@code position} (F64 unless declared). */
  public PerSampleGradients dtype(int position, DType dtype) {
    PerSampleGradients c = copy();
    Map<Integer, DType> m = new HashMap<>(dtypes);
    m.put(position, Objects.requireNonNull(dtype));
    c.dtypes = Map.copyOf(m);
    return c;
  }

  /** The prefix of the gradient columns' names ({@code grad} by default). */
  public PerSampleGradients prefix(String columnPrefix) {
    PerSampleGradients c = copy();
    c.prefix = Objects.requireNonNull(columnPrefix);
    return c;
  }

  /** One flat gradient vector column instead of one column per parameter leaf. */
  public PerSampleGradients flat() {
    PerSampleGradients c = copy();
    c.flat = true;
    return c;
  }

  /** Adds a column with each row's gradient L2 norm (before clipping). */
  public PerSampleGradients withNorm(String column) {
    if (Objects.requireNonNull(column).isEmpty()) {
      throw new IllegalArgumentException("withNorm: the column name is empty");
    }
    PerSampleGradients c = copy();
    c.normColumn = column;
    return c;
  }

  /** Scales each row's gradient by {@code min(1, maxNorm / norm)}. */
  public PerSampleGradients clipNorm(double maxNorm) {
    if (!(maxNorm > 0) || Double.isInfinite(maxNorm)) {
      throw new IllegalArgumentException(
          "clipNorm must be a positive finite bound, got " + maxNorm);
    }
    PerSampleGradients c = copy();
    c.clip = maxNorm;
    return c;
  }

  /** Rows per kernel call on the server. */
  public PerSampleGradients batchSize(int rows) {
    if (rows <= 0) {
      throw new IllegalArgumentException("batchSize must be positive, got " + rows);
    }
    PerSampleGradients c = copy();
    c.batchSize = rows;
    return c;
  }

  /** The names of the gradient columns, in order (the norm column, if any, follows). */
  public List<String> gradientColumns() {
    if (flat) {
      return List.of(prefix);
    }
    return Tree.structure(params).leafNames(prefix, false);
  }

  /** {@code df}'s rows with the gradient (and norm) columns appended. */
  public Dataset<Row> transform(Dataset<Row> df) {
    RemoteCall call = call();
    return RemoteColumns.append(df, call, columns, call.outputNames());
  }

  /**
   * The gradients as one Column on the {@link #inputColumns}: a struct with a field per gradient
   * column (and the norm), or the one column when there is one.
   */
  public Column asColumn() {
    return RemoteColumns.column(
        call(), columns.stream().map(org.apache.spark.sql.functions::col).toArray(Column[]::new));
  }

  RemoteCall call() {
    if (columns.isEmpty()) {
      throw new IllegalStateException("PerSampleGradients: name the example's inputColumns(...)");
    }
    int n = columns.size();
    List<int[]> shapes = new ArrayList<>();
    List<DType> types = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      shapes.add(Traced.shape(shapesByPosition, shapesByName, columns, i, "PerSampleGradients"));
      types.add(dtypes.getOrDefault(i, DType.F64));
    }
    List<String> names = columns;
    Traced.Result t =
        Traced.trace(
            params,
            types,
            shapes,
            (p, xs) -> {
              if (n == 1) {
                return loss.apply(p, xs.get(0));
              }
              Map<String, Tensor> row = new LinkedHashMap<>();
              for (int i = 0; i < n; i++) {
                row.put(names.get(i), xs.get(i));
              }
              return loss.apply(p, row);
            });
    List<String> outputs = new ArrayList<>(gradientColumns());
    if (!normColumn.isEmpty()) {
      outputs.add(normColumn);
    }
    return new RemoteCall(
        RemoteCall.Kind.PER_SAMPLE_GRADIENTS,
        t.program(),
        t.constants(),
        columns,
        shapes,
        outputs,
        batchSize,
        flat,
        false,
        normColumn,
        clip,
        List.of());
  }
}
