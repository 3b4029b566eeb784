package org.vmap4j.spark;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import org.vmap4j.Func;
import org.vmap4j.PerSampleGrads;
import org.vmap4j.Tensor;
import org.vmap4j.Tree;
import org.vmap4j.spark.executor.BatchKernel;
import org.vmap4j.spark.executor.ProgramKernel;

/**
 * Per-row gradients of a loss with respect to model parameters, as DataFrame columns: {@code
 * vmap(grad(loss))} over each batch of rows, built on {@link VmapUdf}.
 *
 * <pre>{@code
 * record Params(Tensor w, Tensor b) {}
 * SerializableBiFunction<Params, Map<String, Tensor>, Tensor> loss =
 *     (p, row) -> logisticLoss(p, row.get("features"), row.get("label"));
 * Dataset<Row> g = PerSampleGradients.of(loss, params)
 *     .inputColumns("features", "label")
 *     .withNorm("grad_norm")
 *     .transform(df);  // df's columns, then grad_w, grad_b, grad_norm
 * }</pre>
 *
 * <p>Columns: one per parameter leaf, named {@code grad_<path>} from the parameters' pytree ({@code
 * grad_w} for a record component {@code w}, {@code grad_0} for a list element, {@code grad} for a
 * single tensor), each with the leaf's shape; or, with {@link #flat()}, one vector column {@code
 * grad} of all leaves flattened and concatenated in pytree order. {@link #withNorm(String)} adds
 * each row's gradient L2 norm (over all leaves, before clipping); {@link #clipNorm(double)} scales
 * each row's gradient to a norm of at most the bound, as DP-SGD does.
 */
public final class PerSampleGradients {
  /**
   * The clipped gradient sum of a DataFrame ({@link #clippedGradientSum}): {@code sum} has the
   * parameters' structure, {@code rows} is the number of rows summed.
   */
  public record ClippedSum<P>(P sum, long rows) {}

  private final SerializableBiFunction<Object, Object, Tensor> loss;
  private final Object params;
  private List<String> columns = List.of();
  private String prefix = "grad";
  private boolean flat;
  private boolean gradients = true;
  private String normColumn;
  private double clip;
  private String projectionColumn;
  private int projectionK;
  private long projectionSeed;
  private String dotColumn;
  private Object reference;
  private UnaryOperator<VmapUdf> options = u -> u;

  private PerSampleGradients(SerializableBiFunction<Object, Object, Tensor> loss, Object params) {
    this.loss = loss;
    this.params = params;
  }

  private PerSampleGradients copy() {
    PerSampleGradients c = new PerSampleGradients(loss, params);
    c.columns = columns;
    c.prefix = prefix;
    c.flat = flat;
    c.gradients = gradients;
    c.normColumn = normColumn;
    c.clip = clip;
    c.projectionColumn = projectionColumn;
    c.projectionK = projectionK;
    c.projectionSeed = projectionSeed;
    c.dotColumn = dotColumn;
    c.reference = reference;
    c.options = options;
    return c;
  }

  /**
   * Gradients of {@code lossFn(params, example)} with respect to {@code params} (a pytree of
   * floating tensors), for each row's example; the loss must return a scalar.
   */
  @SuppressWarnings("unchecked")
  public static <P, X> PerSampleGradients of(
      SerializableBiFunction<P, X, Tensor> lossFn, P params) {
    Objects.requireNonNull(lossFn, "lossFn");
    Tree.flatten(params);
    SerializableBiFunction<Object, Object, Tensor> loss = (p, x) -> lossFn.apply((P) p, (X) x);
    return new PerSampleGradients(loss, params);
  }

  /** The example's columns: one gives a tensor, several a {@code Map<String, Tensor>}. */
  public PerSampleGradients inputColumns(String... names) {
    PerSampleGradients c = copy();
    c.columns = List.of(names);
    return c;
  }

  /** The prefix of the gradient columns' names ({@code grad} by default). */
  public PerSampleGradients prefix(String columnPrefix) {
    PerSampleGradients c = copy();
    c.prefix = columnName("prefix", columnPrefix);
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
    PerSampleGradients c = copy();
    c.normColumn = columnName("withNorm", column);
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

  /**
   * Adds a column {@code [k]} with each row's gradient (before clipping) projected to {@code k}
   * dimensions: {@code Ω g / √k}, with core's {@link PerSampleGrads#projectionFactors} at {@code
   * (k, seed)} (Kronecker-factored Gaussian rows). The same {@code (params' shapes, k, seed)} give
   * the same {@code Ω} on every machine, and the same numbers as core's {@link
   * PerSampleGrads#project}. The factors ({@code k·(M + N)} numbers for an {@code [M, N]} leaf, not
   * {@code k·M·N}) are derived from the seed on the driver and broadcast once with the parameters,
   * never per row.
   */
  public PerSampleGradients withProjection(String column, int k, long seed) {
    columnName("withProjection", column);
    if (k < 1) {
      throw new IllegalArgumentException(
          "PerSampleGradients.withProjection: k is the projection's dimension and must be at"
              + " least 1, got "
              + k);
    }
    PerSampleGradients c = copy();
    c.projectionColumn = column;
    c.projectionK = k;
    c.projectionSeed = seed;
    return c;
  }

  /**
   * Adds a column with each row's {@code <g, reference>} (before clipping), summed over all leaves
   * (TracIn, gradient alignment); {@code reference} has the parameters' structure and shapes.
   */
  public <P> PerSampleGradients withDot(String column, P reference) {
    columnName("withDot", column);
    checkReference(reference);
    PerSampleGradients c = copy();
    c.dotColumn = column;
    c.reference = reference;
    return c;
  }

  /**
   * Leaves the gradient columns out: only the norm, projection and dot columns are computed, and
   * the compiler then computes them from each linear layer's input and output gradient without
   * forming any row's gradient (docs/persample.md).
   */
  public PerSampleGradients withoutGradients() {
    PerSampleGradients c = copy();
    c.gradients = false;
    return c;
  }

  /**
   * Any other {@link VmapUdf} option (shapes, batch size, error policy, ...), applied to the
   * underlying {@code VmapUdf}: {@code .configure(u -> u.batchSize(4096).errorColumn("why"))}.
   */
  public PerSampleGradients configure(UnaryOperator<VmapUdf> more) {
    Objects.requireNonNull(more, "more");
    UnaryOperator<VmapUdf> before = options;
    PerSampleGradients c = copy();
    c.options = u -> more.apply(before.apply(u));
    return c;
  }

  /**
   * The sum over every row of {@code df} of the row's gradient clipped to norm at most {@link
   * #clipNorm}'s bound, with the number of rows: {@code Σ_rows g · min(1, C / (|g| + 1e-6))}, as
   * core's {@link PerSampleGrads#clippedSum} computes it per batch (the compiler's ghost clipping:
   * for linear layers no row's gradient is formed). An empty DataFrame gives zeros and 0 rows. The
   * input columns are read as {@link #transform} reads them (the udf's column readers: numeric and
   * boolean scalars, flat and nested arrays, MLlib vectors, shapes declared through {@link
   * #configure}, the key column quoted in errors; and its batch buffers: Arrow vectors of the
   * task's allocator, or Java arrays with {@link VmapUdf#arrowBatches arrowBatches(false)}, with
   * bit-identical sums); a misspelt column, or one that is not a tensor, fails even on an empty
   * DataFrame; a row that is not an example of its column's shape fails the sum with a {@link
   * BadInputException} naming the column, partition, row and shape. The batch size is {@link
   * VmapUdf#batchSize}'s (set through {@link #configure}), 1024 when unset. Partition sums are
   * added in partition order: a rerun gives bit-identical sums.
   */
  @SuppressWarnings("unchecked")
  public <P> ClippedSum<P> clippedGradientSum(Dataset<Row> df) {
    if (clip == 0) {
      throw new IllegalStateException(
          "PerSampleGradients.clippedGradientSum: set the clipping bound first with"
              + " clipNorm(maxNorm)");
    }
    // the udf resolves the input columns as transform does; its one output column is only traced
    // on the driver, under a name no DataFrame column can clash with
    PerSampleGradients sumOnly = copy();
    sumOnly.gradients = true;
    sumOnly.flat = true;
    sumOnly.prefix = "__vmap4j_clipped_gradient_sum_" + java.util.UUID.randomUUID();
    sumOnly.normColumn = null;
    sumOnly.projectionColumn = null;
    sumOnly.dotColumn = null;
    VmapUdf udf = sumOnly.toVmapUdf();
    int rows = udf.batchSize() > 0 ? udf.batchSize() : 1024;
    Object[] sumAndRows = DataFrameClippedSum.run(loss, params, udf, clip, rows, df);
    return new ClippedSum<>((P) sumAndRows[0], (Long) sumAndRows[1]);
  }

  /** The names of the gradient columns, in order (the norm column, if any, follows). */
  public List<String> gradientColumns() {
    if (flat) {
      return List.of(prefix);
    }
    return Tree.structure(params).leafNames(prefix, false);
  }

  /** The {@link VmapUdf} this builds. */
  public VmapUdf toVmapUdf() {
    if (columns.isEmpty()) {
      throw new IllegalStateException("PerSampleGradients: name the example's inputColumns(...)");
    }
    Outputs outputs =
        new Outputs(
            gradients,
            flat,
            normColumn != null,
            clip,
            projectionColumn == null ? 0 : projectionK,
            dotColumn != null);
    if (!gradients && !outputs.norm() && outputs.projectionK() == 0 && !outputs.dot()) {
      throw new IllegalStateException(
          "PerSampleGradients: withoutGradients() leaves no column; add withNorm, withProjection"
              + " or withDot");
    }
    SerializableBiFunction<Object, Object, Tensor> lossFn = loss;
    List<String> names = new ArrayList<>(columnsByMethod().keySet());
    boolean onlyParams = outputs.projectionK() == 0 && !outputs.dot();
    Object constants = onlyParams ? params : constants();
    SerializableBiFunction<Object, Object, List<Tensor>> fn =
        onlyParams
            ? (p, x) -> outputs.of(lossFn, p, x, null, null)
            : (c, x) -> {
              Map<?, ?> m = (Map<?, ?>) c;
              return outputs.of(
                  lossFn, m.get("params"), x, m.get("reference"), projection(m.get("projection")));
            };
    // the constants' integer check names the parameters' own paths, whatever else travels along
    Differentiated.CONSTANTS.checkConstants("PerSampleGradients", params);
    VmapUdf udf =
        VmapFunctions.vmapUdf(fn)
            .constants(constants)
            .inputColumns(columns.toArray(new String[0]))
            .outputColumns(names.toArray(new String[0]));
    if (onlyParams) {
      udf = udf.differentiates(Differentiated.CONSTANTS, "PerSampleGradients");
    }
    return options.apply(udf);
  }

  /** The parameters with the dot's reference and the projection's factors, as one pytree. */
  private Map<String, Object> constants() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("params", params);
    if (reference != null && dotColumn != null) {
      m.put("reference", reference);
    }
    if (projectionColumn != null) {
      try {
        m.put("projection", PerSampleGrads.projectionFactors(params, projectionK, projectionSeed));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "PerSampleGradients.withProjection(\""
                + projectionColumn
                + "\", k = "
                + projectionK
                + ", ...): the projection's factors cannot be built ("
                + e.getMessage()
                + "); k is the projected dimension, a few hundred to a few thousand in practice",
            e);
      }
    }
    return m;
  }

  @SuppressWarnings("unchecked")
  private static List<List<Tensor>> projection(Object factors) {
    return (List<List<Tensor>>) factors;
  }

  /** Throws unless {@code reference} has the parameters' structure and leaf shapes, naming both. */
  private void checkReference(Object reference) {
    Objects.requireNonNull(reference, "reference");
    Tree.Flat p = Tree.flatten(params);
    Tree.Flat r = Tree.flatten(reference);
    if (!p.def().equals(r.def())) {
      throw new IllegalArgumentException(
          "PerSampleGradients.withDot: the reference must have the parameters' structure "
              + p.def()
              + ", got "
              + r.def());
    }
    List<String> paths = new ArrayList<>();
    Differentiated.paths(p.def(), "", paths);
    for (int i = 0; i < paths.size(); i++) {
      int[] ps = p.leaves().get(i).shape();
      int[] rs = r.leaves().get(i).shape();
      if (!Arrays.equals(ps, rs)) {
        String path = paths.get(i).isEmpty() ? "(the parameters tensor itself)" : paths.get(i);
        throw new IllegalArgumentException(
            "PerSampleGradients.withDot: reference leaf "
                + path
                + " has shape "
                + Arrays.toString(rs)
                + " but parameter "
                + path
                + " has shape "
                + Arrays.toString(ps)
                + "; the reference must be shaped like the parameters");
      }
    }
  }

  /**
   * The program the executors run for {@code df}'s columns, after the compiler's passes, as text
   * ({@code jit(vmap(...))} of the traced per-example function at {@code batchSize} rows, 1024 when
   * unset): an equation marked {@code rewrite=...} shows that a norm, projection, dot or clipped
   * column is computed from a layer's factors; without a mark, every row's gradient is formed.
   */
  public String explain(Dataset<Row> df) {
    VmapUdf udf = toVmapUdf();
    BatchKernel kernel = againstColumnsOf(df, () -> udf.plan(df)).resolved().kernel();
    if (!(kernel instanceof ProgramKernel traced)) {
      return "not traced on the driver: executors run the function eagerly under vmap, without"
          + " the compiler's rewrites";
    }
    org.vmap4j.ir.Program perExample = traced.program();
    int constants = traced.constantLeaves();
    int rows = udf.batchSize() > 0 ? udf.batchSize() : 1024;
    List<Tensor> fixed = new ArrayList<>();
    List<Tensor> batch = new ArrayList<>();
    for (int i = 0; i < perExample.inputTypes().size(); i++) {
      org.vmap4j.TensorType t = perExample.inputTypes().get(i);
      if (i < constants) {
        fixed.add(Tensor.zeros(t.dtype(), t.shape()));
      } else {
        int[] shape = new int[t.ndim() + 1];
        shape[0] = rows;
        System.arraycopy(t.shape(), 0, shape, 1, t.ndim());
        batch.add(Tensor.zeros(t.dtype(), shape));
      }
    }
    java.util.function.BiFunction<List<Tensor>, List<Tensor>, List<Tensor>> program =
        (c, x) -> {
          List<Tensor> in = new ArrayList<>(c);
          in.addAll(x);
          return perExample.evaluate(in);
        };
    return PerSampleGrads.optimizedProgram(
        Func.vmap(program, org.vmap4j.InDims.of(null, 0)), fixed, batch);
  }

  public Dataset<Row> transform(Dataset<Row> df) {
    VmapUdf udf = toVmapUdf();
    return againstColumnsOf(df, () -> udf.transform(df));
  }

  public StructType outputSchema(Dataset<Row> df) {
    VmapUdf udf = toVmapUdf();
    return againstColumnsOf(df, () -> udf.outputSchema(df));
  }

  /**
   * The columns this adds, in order, each with the builder method that named it: the gradient
   * columns ({@link #prefix}), the norm, the projection, the dot.
   *
   * @throws IllegalArgumentException when two of them have the same name (as Spark compares names:
   *     ignoring case unless {@code spark.sql.caseSensitive}), naming both methods
   */
  private Map<String, String> columnsByMethod() {
    Map<String, String> byName = new LinkedHashMap<>();
    if (gradients) {
      for (String g : gradientColumns()) {
        byName.put(g, "prefix(\"" + prefix + "\") (the gradient columns)");
      }
    }
    List<String[]> reductions = new ArrayList<>();
    if (normColumn != null) {
      reductions.add(new String[] {normColumn, "withNorm"});
    }
    if (projectionColumn != null) {
      reductions.add(new String[] {projectionColumn, "withProjection"});
    }
    if (dotColumn != null) {
      reductions.add(new String[] {dotColumn, "withDot"});
    }
    for (String[] r : reductions) {
      for (Map.Entry<String, String> e : byName.entrySet()) {
        if (sameColumnName(e.getKey(), r[0])) {
          throw new IllegalArgumentException(
              "PerSampleGradients: "
                  + r[1]
                  + " names its column '"
                  + r[0]
                  + "', which "
                  + e.getValue()
                  + " already names"
                  + (e.getKey().equals(r[0]) ? "" : " as '" + e.getKey() + "'")
                  + "; give each column its own name");
        }
      }
      byName.put(r[0], r[1]);
    }
    return byName;
  }

  /**
   * Runs {@code job} (a transform or schema of {@code df}) after checking that no column this adds
   * is already one of {@code df}'s, with this builder's fix in the messages that would otherwise
   * name the udf's.
   */
  private <T> T againstColumnsOf(Dataset<Row> df, java.util.function.Supplier<T> job) {
    Objects.requireNonNull(df, "df");
    for (Map.Entry<String, String> e : columnsByMethod().entrySet()) {
      for (String existing : df.columns()) {
        if (sameColumnName(existing, e.getKey())) {
          throw new IllegalArgumentException(
              "PerSampleGradients: "
                  + e.getValue()
                  + " names the column '"
                  + e.getKey()
                  + "', but the DataFrame already has a column '"
                  + existing
                  + "' (its columns are "
                  + Arrays.toString(df.columns())
                  + "); choose another name there");
        }
      }
    }
    return withShapeFix(job);
  }

  /**
   * {@code job}, with the fix for an input shape that an empty DataFrame cannot give in this
   * builder's terms ({@code configure(u -> u.shape(...))}) rather than the udf's.
   */
  private static <T> T withShapeFix(java.util.function.Supplier<T> job) {
    try {
      return job.get();
    } catch (ShapeUnknownException e) {
      StringBuilder fix = new StringBuilder();
      for (String column : e.columns()) {
        fix.append(fix.length() == 0 ? "" : ".").append("shape(\"").append(column);
        fix.append("\", dims...)");
      }
      throw new IllegalArgumentException(
          "PerSampleGradients: the per-example shape of input column(s) "
              + e.columns()
              + " cannot be read from this DataFrame: it has no row where they are all non-null"
              + " (is it empty?); declare it with configure(u -> u."
              + fix
              + ")",
          e);
    }
  }

  /** Spark's rule for two column names being the same column ({@code spark.sql.caseSensitive}). */
  private static boolean sameColumnName(String a, String b) {
    return org.apache.spark.sql.internal.SQLConf.get().caseSensitiveAnalysis()
        ? a.equals(b)
        : a.equalsIgnoreCase(b);
  }

  /** {@code column}, unless it is null or blank: then an error naming {@code method}. */
  private static String columnName(String method, String column) {
    if (column == null || column.isBlank()) {
      throw new IllegalArgumentException(
          "PerSampleGradients."
              + method
              + ": the column name is "
              + (column == null ? "null" : "blank ('" + column + "')")
              + "; give the column a name");
    }
    return column;
  }

  /**
   * Which columns the per-example function returns, in this order: the gradient leaves (or one flat
   * vector; clipped when {@code clip > 0}), the norm, the projection, the dot. The reductions are
   * core's per-example forms ({@link PerSampleGrads#squaredNorm}, {@link PerSampleGrads#projected},
   * {@link PerSampleGrads#dotWith}), which the compiler rewrites under the executors' {@code
   * jit(vmap(...))}.
   */
  record Outputs(
      boolean gradients, boolean flat, boolean norm, double clip, int projectionK, boolean dot)
      implements java.io.Serializable {
    List<Tensor> of(
        SerializableBiFunction<Object, Object, Tensor> loss,
        Object p,
        Object x,
        Object reference,
        List<List<Tensor>> factors) {
      Object g = Func.grad(loss).apply(p, x);
      List<Tensor> out = new ArrayList<>();
      if (gradients) {
        out.addAll(gradientLeaves(g, flat, clip));
      }
      if (norm) {
        out.add(PerSampleGrads.squaredNorm(g).sqrt());
      }
      if (projectionK > 0) {
        out.add(PerSampleGrads.projected(g, factors));
      }
      if (dot) {
        out.add(PerSampleGrads.dotWith(g, reference));
      }
      return out;
    }
  }

  /** The gradient leaves, optionally clipped, optionally flattened into one vector. */
  static List<Tensor> gradientLeaves(Object g, boolean flat, double clip) {
    List<Tensor> leaves = new ArrayList<>(Tree.leaves(g));
    if (clip > 0) {
      Tensor norm = PerSampleGrads.squaredNorm(g).sqrt();
      Tensor factor = norm.pow(-1).mul(clip).minimum(1.0);
      leaves.replaceAll(t -> t.mul(factor));
    }
    if (!flat) {
      return leaves;
    }
    Tensor[] parts = new Tensor[leaves.size()];
    for (int i = 0; i < parts.length; i++) {
      parts[i] = leaves.get(i).reshape(-1);
    }
    return List.of(parts.length == 1 ? parts[0] : Tensor.concat(0, parts));
  }
}
