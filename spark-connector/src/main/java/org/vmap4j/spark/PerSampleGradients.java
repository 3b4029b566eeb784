package org.vmap4j.spark;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import org.vmap4j.Func;
import org.vmap4j.Tensor;
import org.vmap4j.Tree;
import org.vmap4j.TreeDef;

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
  private final SerializableBiFunction<Object, Object, Tensor> loss;
  private final Object params;
  private final List<String> columns;
  private final String prefix;
  private final boolean flat;
  private final String normColumn;
  private final double clip;
  private final UnaryOperator<VmapUdf> options;

  private PerSampleGradients(
      SerializableBiFunction<Object, Object, Tensor> loss,
      Object params,
      List<String> columns,
      String prefix,
      boolean flat,
      String normColumn,
      double clip,
      UnaryOperator<VmapUdf> options) {
    this.loss = loss;
    this.params = params;
    this.columns = columns;
    this.prefix = prefix;
    this.flat = flat;
    this.normColumn = normColumn;
    this.clip = clip;
    this.options = options;
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
    return new PerSampleGradients(loss, params, List.of(), "grad", false, null, 0, u -> u);
  }

  /** The example's columns: one gives a tensor, several a {@code Map<String, Tensor>}. */
  public PerSampleGradients inputColumns(String... names) {
    return new PerSampleGradients(
        loss, params, List.of(names), prefix, flat, normColumn, clip, options);
  }

  /** The prefix of the gradient columns' names ({@code grad} by default). */
  public PerSampleGradients prefix(String columnPrefix) {
    return new PerSampleGradients(
        loss,
        params,
        columns,
        Objects.requireNonNull(columnPrefix),
        flat,
        normColumn,
        clip,
        options);
  }

  /** One flat gradient vector column instead of one column per parameter leaf. */
  public PerSampleGradients flat() {
    return new PerSampleGradients(loss, params, columns, prefix, true, normColumn, clip, options);
  }

  /** Adds a column with each row's gradient L2 norm (before clipping). */
  public PerSampleGradients withNorm(String column) {
    return new PerSampleGradients(
        loss, params, columns, prefix, flat, Objects.requireNonNull(column), clip, options);
  }

  /** Scales each row's gradient by {@code min(1, maxNorm / norm)}. */
  public PerSampleGradients clipNorm(double maxNorm) {
    if (!(maxNorm > 0) || Double.isInfinite(maxNorm)) {
      throw new IllegalArgumentException(
          "clipNorm must be a positive finite bound, got " + maxNorm);
    }
    return new PerSampleGradients(
        loss, params, columns, prefix, flat, normColumn, maxNorm, options);
  }

  /**
   * Any other {@link VmapUdf} option (shapes, batch size, error policy, ...), applied to the
   * underlying {@code VmapUdf}: {@code .configure(u -> u.batchSize(4096).errorColumn("why"))}.
   */
  public PerSampleGradients configure(UnaryOperator<VmapUdf> more) {
    Objects.requireNonNull(more, "more");
    UnaryOperator<VmapUdf> before = options;
    return new PerSampleGradients(
        loss, params, columns, prefix, flat, normColumn, clip, u -> more.apply(before.apply(u)));
  }

  /** The names of the gradient columns, in order (the norm column, if any, follows). */
  public List<String> gradientColumns() {
    if (flat) {
      return List.of(prefix);
    }
    List<String> names = new ArrayList<>();
    paths(Tree.structure(params), prefix, names);
    return names;
  }

  /** The {@link VmapUdf} this builds. */
  public VmapUdf toVmapUdf() {
    if (columns.isEmpty()) {
      throw new IllegalStateException("PerSampleGradients: name the example's inputColumns(...)");
    }
    SerializableBiFunction<Object, Object, Tensor> lossFn = loss;
    boolean flatten = flat;
    boolean norm = normColumn != null;
    double bound = clip;
    SerializableBiFunction<Object, Object, List<Tensor>> fn =
        (p, x) -> gradients(lossFn, p, x, flatten, norm, bound);
    List<String> names = new ArrayList<>(gradientColumns());
    if (norm) {
      names.add(normColumn);
    }
    VmapUdf udf =
        VmapFunctions.vmapUdf(fn)
            .constants(params)
            .inputColumns(columns.toArray(new String[0]))
            .outputColumns(names.toArray(new String[0]))
            .differentiates(Differentiated.CONSTANTS, "PerSampleGradients");
    return options.apply(udf);
  }

  public Dataset<Row> transform(Dataset<Row> df) {
    return toVmapUdf().transform(df);
  }

  public StructType outputSchema(Dataset<Row> df) {
    return toVmapUdf().outputSchema(df);
  }

  /** The per-example computation: gradient leaves, optionally clipped, flattened, with the norm. */
  static List<Tensor> gradients(
      SerializableBiFunction<Object, Object, Tensor> loss,
      Object p,
      Object x,
      boolean flat,
      boolean withNorm,
      double clip) {
    Object g = Func.grad(loss).apply(p, x);
    List<Tensor> leaves = new ArrayList<>(Tree.leaves(g));
    Tensor norm = null;
    if (withNorm || clip > 0) {
      Tensor sq = null;
      for (Tensor t : leaves) {
        Tensor s = t.square().sum();
        sq = sq == null ? s : sq.add(s);
      }
      norm = sq.sqrt();
    }
    if (clip > 0) {
      Tensor factor = norm.pow(-1).mul(clip).minimum(1.0);
      leaves.replaceAll(t -> t.mul(factor));
    }
    List<Tensor> out = new ArrayList<>();
    if (flat) {
      Tensor[] parts = new Tensor[leaves.size()];
      for (int i = 0; i < parts.length; i++) {
        parts[i] = leaves.get(i).reshape(-1);
      }
      out.add(parts.length == 1 ? parts[0] : Tensor.concat(0, parts));
    } else {
      out.addAll(leaves);
    }
    if (withNorm) {
      out.add(norm);
    }
    return out;
  }

  static void paths(TreeDef def, String path, List<String> out) {
    switch (def.kind()) {
      case LEAF -> out.add(path);
      case NONE -> {}
      case RECORD, MAP -> {
        for (int i = 0; i < def.children().size(); i++) {
          paths(def.children().get(i), path + "_" + def.keys().get(i), out);
        }
      }
      case LIST, ARRAY -> {
        for (int i = 0; i < def.children().size(); i++) {
          paths(def.children().get(i), path + "_" + i, out);
        }
      }
    }
  }
}
