package org.vmap4j.spark;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.vmap4j.Tensor;
import org.vmap4j.Tree;
import org.vmap4j.spark.catalyst.VmapUdfExpression;
import org.vmap4j.spark.executor.ArrowBatching;
import org.vmap4j.spark.executor.BatchKernel;
import org.vmap4j.spark.executor.InputColumn;

/**
 * A per-example function lifted to a partition-level kernel over a DataFrame: {@link
 * #transform(Dataset)} returns the input rows, in the same order and number, with the function's
 * outputs appended as columns. Build one with {@link VmapFunctions#vmapUdf}; every method returns a
 * new, immutable {@code VmapUdf}.
 *
 * <pre>{@code
 * VmapUdf scores = vmapUdf((Tensor x) -> x.dot(w).sigmoid())  // w: captured, shipped with fn
 *     .inputColumns("features")
 *     .outputColumns("score");
 * Dataset<Row> scored = scores.transform(df);                  // df's columns, then "score"
 * }</pre>
 *
 * <p><b>Arguments.</b> A one-argument function receives the example of its one input column as a
 * tensor, or of several columns as a {@code Map<String, Tensor>} keyed by column name. A
 * two-argument function receives {@link #constants(Object)} (unmapped: the same pytree for every
 * row, broadcast once per executor) first and the example second; without constants it takes
 * exactly two columns, one per argument. A three- or four-argument function ({@code
 * SerializableFn3}, {@code SerializableFn4}) takes the constants (if given) first, then one input
 * column per remaining argument, in the order of {@link #inputColumns}.
 *
 * <p><b>Shapes and types.</b> Input columns may be numeric or boolean scalars, arrays of them
 * (flat, of any declared shape whose size is the array's length), nested arrays (one level per
 * dimension) or MLlib vectors (dense, or sparse densified). The per-example shape of each column
 * is, in this order: declared with {@link #shape(String, int...)}; the shape in the column's
 * metadata under {@value #SHAPE_METADATA_KEY} (written by every {@code VmapUdf} output, so a second
 * transform reads the first one's outputs as they were); the scalar shape for scalars; else taken
 * from the first row with no nulls in the input columns (one small Spark job on the driver). The
 * output columns' names, shapes and Spark types come from running the function once on the driver,
 * on zeros of the input shapes, unless given. A scalar output is a scalar column, a vector an
 * array, a matrix or higher a nested array or a flat array ({@link MatrixLayout}).
 *
 * <p><b>Execution.</b> The rows of each partition are cut into batches of {@link #batchSize(int)}
 * rows (default: {@code spark.sql.execution.arrow.maxRecordsPerBatch}); each batch's columns are
 * written into Arrow vectors of one task-owned allocator, read as {@code [B, ...]} tensors by
 * arrow-bridge, run through the vmapped function once, and the outputs written back to the rows.
 * The driver traces the function once into a program, which each executor JVM compiles once with
 * core's {@code jit} and runs on its backend (CPU, or its GPU when configured); a function that
 * cannot be traced is shipped itself and jitted on each executor instead (a one-time warning says
 * why). See {@link BatchKernel}.
 *
 * <p><b>Structure.</b> This class is the user-facing builder only: its configuration is an
 * immutable {@code VmapUdfOptions}, and everything worked out from it against a DataFrame (input
 * shapes, outputs, tracing, the executors' processors) is done by its {@code VmapUdfPlanner}.
 *
 * <p><b>Bad input</b> (a null, a ragged or wrongly sized array, a NaN under {@link
 * NonFinitePolicy#REJECT}): see {@link ErrorPolicy} and {@link BadInputException}.
 */
public final class VmapUdf {

  /** Column metadata key holding a column's per-example shape (a long array). */
  public static final String SHAPE_METADATA_KEY = "vmap4j.shape";

  /** Column metadata key holding an output column's dtype ("f32", "f64", ...). */
  public static final String DTYPE_METADATA_KEY = "vmap4j.dtype";

  /** The name of the error column under {@link ErrorPolicy#ERROR_COLUMN}, unless changed. */
  public static final String DEFAULT_ERROR_COLUMN = "vmap_error";

  /** The name of a single unnamed output. */
  public static final String DEFAULT_OUTPUT = "output";

  private final VmapUdfOptions options;

  /**
   * One per instance, so that Catalyst can tell calls of the same udf apart from calls of an equal
   * one (see {@code VmapCallPlanner}).
   */
  private final VmapUdfPlanner planner;

  VmapUdf(SerializableFunction<Object[], Object> callable, int arity) {
    this(VmapUdfOptions.of(callable, arity));
  }

  private VmapUdf(VmapUdfOptions options) {
    this.options = options;
    this.planner = new VmapUdfPlanner(options);
  }

  /**
   * Marks what the function differentiates with respect to, for {@code transform}'s error messages
   * (see {@link Differentiated}).
   */
  VmapUdf differentiates(Differentiated what, String transform) {
    return new VmapUdf(
        options.withDifferentiation(
            new VmapUdfOptions.Differentiation(
                Objects.requireNonNull(what), Objects.requireNonNull(transform))));
  }

  private VmapUdf withInputs(VmapUdfOptions.Inputs inputs) {
    return new VmapUdf(options.withInputs(inputs));
  }

  private VmapUdf withOutputs(VmapUdfOptions.Outputs outputs) {
    return new VmapUdf(options.withOutputs(outputs));
  }

  private VmapUdf withRows(VmapUdfOptions.Rows rows) {
    return new VmapUdf(options.withRows(rows));
  }

  // ---------------------------------------------------------------- configuration

  /** The columns the function reads, in argument order (see the class comment). */
  public VmapUdf inputColumns(String... columns) {
    return withInputs(options.inputs().withColumns(List.of(columns)));
  }

  /**
   * Declares the per-example shape of an input column ({@code shape("x")} for a scalar). A flat
   * {@code array<...>} column may be given any shape whose size is its length (row-major); a nested
   * array one dimension per level; an MLlib vector one dimension.
   */
  public VmapUdf shape(String column, int... shape) {
    Objects.requireNonNull(column, "column");
    for (int d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException(
            "vmapUdf: shape of column '"
                + column
                + "' has a negative size: "
                + Arrays.toString(shape));
      }
    }
    return withInputs(options.inputs().withShape(column, shape));
  }

  /**
   * Declares the per-example shape of the function's argument at {@code position} (0-based, in
   * argument order: the input columns, or the arguments of {@link #apply(Column...)}), whatever
   * column it is applied to. Wins over a shape declared by name for the same argument.
   */
  public VmapUdf shape(int position, int... shape) {
    if (position < 0) {
      throw new IllegalArgumentException(
          "vmapUdf: argument positions start at 0, got shape(" + position + ", ...)");
    }
    for (int d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException(
            "vmapUdf: shape of argument "
                + position
                + " has a negative size: "
                + Arrays.toString(shape));
      }
    }
    return withInputs(options.inputs().withShape(position, shape));
  }

  /**
   * A column that identifies rows (an id): a bad row's error quotes its value, {@code column 'x',
   * row id=17 (partition 1, row 2): ...}, instead of only its position in its partition. Any type
   * Spark can print; it is read, not passed to the function.
   */
  public VmapUdf keyColumn(String column) {
    return withInputs(options.inputs().withKeyColumn(Objects.requireNonNull(column, "column")));
  }

  /**
   * What core's random primitives ({@code Tensor.randomUniform(s, ...)}, {@code randomNormal}) in
   * the function do: {@code ERROR} (the default) refuses them; {@code DIFFERENT} gives each row its
   * own numbers, keyed by ({@link #seed(long)}, the seed written in the function, the row's
   * partition, its index in the partition), so a retried task or a second run of the same plan
   * draws the same numbers for the same row, whatever the batch size. {@code SAME} is not supported
   * (use a constant instead). A random call is nondeterministic to Catalyst, which then keeps
   * filters above it (a row's index in its partition must not depend on a later filter).
   */
  public VmapUdf randomness(org.vmap4j.Randomness mode) {
    if (mode == org.vmap4j.Randomness.SAME) {
      throw new IllegalArgumentException(
          "vmapUdf: randomness(SAME) is not supported: draw the numbers once outside the function"
              + " and pass them as constants(...), or use DIFFERENT for per-row numbers");
    }
    return new VmapUdf(
        options.withRandomness(
            new VmapUdfOptions.RowRandomness(
                Objects.requireNonNull(mode), options.randomness().seed())));
  }

  /** The seed that keys per-row random numbers under {@code randomness(DIFFERENT)}; 0 if unset. */
  public VmapUdf seed(long seed) {
    return new VmapUdf(
        options.withRandomness(
            new VmapUdfOptions.RowRandomness(options.randomness().mode(), seed)));
  }

  /** Names the output columns, one per tensor of the function's result in pytree order. */
  public VmapUdf outputColumns(String... names) {
    return withOutputs(options.outputs().withNames(List.of(names)));
  }

  /**
   * The Spark types of the output columns, one per output: each must have the array nesting of the
   * inferred shape ({@link MatrixLayout}); its element type may differ from the function's dtype
   * (e.g. {@code double} for an F32 result), and the values are converted as {@link Tensor#astype}
   * converts them.
   */
  public VmapUdf outputTypes(DataType... types) {
    return withOutputs(options.outputs().withTypes(List.of(types)));
  }

  /**
   * The name of a single unnamed output, or the prefix of derived names ({@code prefix_w} for a
   * record component {@code w}); {@value #DEFAULT_OUTPUT} by default.
   */
  public VmapUdf outputPrefix(String prefix) {
    return withOutputs(options.outputs().withPrefix(Objects.requireNonNull(prefix)));
  }

  /**
   * Rows per batch; 0 (the default) means the session's {@value
   * ArrowBatching#MAX_RECORDS_PER_BATCH}.
   */
  public VmapUdf batchSize(int rows) {
    if (rows < 0) {
      throw new IllegalArgumentException(
          "vmapUdf: batchSize must be positive (0 = the session's), got " + rows);
    }
    return withRows(options.rows().withBatchSize(rows));
  }

  /**
   * The unmapped first argument of a two-argument function (e.g. model parameters): a pytree of
   * tensors, shipped in one Spark broadcast and rebuilt once per executor JVM.
   */
  public VmapUdf constants(Object pytree) {
    if (options.arity() < 2) {
      throw new IllegalArgumentException(
          "vmapUdf: constants are the first argument of a two-argument function (constants,"
              + " example), but this function takes one argument; capture them in the lambda or"
              + " use a BiFunction");
    }
    Tree.flatten(pytree); // fails now, naming the path, if it is not a pytree
    return new VmapUdf(options.withConstants(pytree));
  }

  public VmapUdf errorPolicy(ErrorPolicy policy) {
    return withRows(options.rows().withErrorPolicy(Objects.requireNonNull(policy)));
  }

  /** Selects {@link ErrorPolicy#ERROR_COLUMN} with an error column of this name. */
  public VmapUdf errorColumn(String name) {
    return withRows(options.rows().withErrorColumn(Objects.requireNonNull(name)));
  }

  public VmapUdf nonFinite(NonFinitePolicy policy) {
    return withRows(options.rows().withNonFinite(Objects.requireNonNull(policy)));
  }

  /** Shorthand for {@code nonFinite(NonFinitePolicy.REJECT)}. */
  public VmapUdf rejectNonFinite() {
    return nonFinite(NonFinitePolicy.REJECT);
  }

  public VmapUdf matrixLayout(MatrixLayout layout) {
    return withOutputs(options.outputs().withLayout(Objects.requireNonNull(layout)));
  }

  /**
   * Whether batches pass through Arrow vectors (the default, true) or are gathered straight into
   * the tensors' Java arrays (false: one copy fewer). Both give identical results; see
   * docs/spark.md for the measured difference. BOOL columns always take the second way.
   */
  public VmapUdf arrowBatches(boolean viaArrow) {
    return withRows(options.rows().withArrowBatches(viaArrow));
  }

  // ---------------------------------------------------------------- running

  /**
   * The input rows with the output columns appended, lazily: nothing runs until an action, except
   * on the driver the function once on zeros (to infer the outputs) and, for an array column whose
   * shape is neither declared nor in its metadata, a one-row job to read its length.
   */
  public Dataset<Row> transform(Dataset<Row> df) {
    planner.checkSerializable();
    // configuration errors, and shapes read from the data, before any job
    VmapUdfPlanner.Plan plan = planner.plan(df);
    VmapSpark.install(df.sparkSession());
    InputColumn[] inputs = plan.resolved().inputs();
    List<String> inputColumns = options.inputs().columns();
    VmapUdf bound = this;
    List<Expression> args = new ArrayList<>();
    List<StructField> argumentFields = new ArrayList<>();
    for (int c = 0; c < inputs.length; c++) {
      bound = bound.shape(c, inputs[c].shape);
      StructField f = df.schema().fields()[inputs[c].ordinal];
      args.add(
          org.apache.spark.sql.classic.ExpressionUtils.expression(
              functions.col("`" + f.name().replace("`", "``") + "`")));
      argumentFields.add(
          new StructField(inputColumns.get(c), f.dataType(), f.nullable(), f.metadata()));
    }
    VmapUdfExpression call = VmapUdfExpression.call(bound.planner, args, inputColumns);
    VmapUdfExpression.remember(
        bound.planner, new StructType(argumentFields.toArray(new StructField[0])), plan.resolved());
    Column result =
        org.apache.spark.sql.classic.ExpressionUtils.column(VmapUdfExpression.result(call));
    List<StructField> fields = planner.outputFields(plan.resolved());
    List<Column> columns = new ArrayList<>();
    columns.add(functions.col("*"));
    for (StructField f : fields) {
      columns.add((fields.size() == 1 ? result : result.getField(f.name())).as(f.name()));
    }
    return df.select(columns.toArray(new Column[0]));
  }

  /**
   * This function as a {@link Column} of the given argument columns, for {@code select}, {@code
   * withColumn}, {@code where} and SQL ({@link VmapSpark#register}). A function with one output
   * gives that output's column; several outputs (or {@link ErrorPolicy#ERROR_COLUMN}) give a struct
   * with one field per output. The session must run vmap4j's planner ({@link VmapSparkExtensions}
   * or {@link VmapSpark#install}), which evaluates every vmapUdf column of an operator batched, in
   * one pass over its rows; without it, using the column fails and says how to enable it.
   *
   * <p>The arguments are bound as {@link #inputColumns} would bind columns of these names: a
   * column's own name, or {@code argN} for an expression; {@link #inputColumns} given before
   * renames them. Array arguments need a known per-example shape ({@link #shape} or the column
   * metadata of an earlier vmapUdf output): a Column's type is fixed before any job runs, so the
   * first-row inference of {@link #transform} is not available here.
   */
  public Column apply(Column... arguments) {
    planner.checkSerializable();
    if (arguments.length == 0) {
      throw new IllegalArgumentException("vmapUdf: apply needs at least one argument column");
    }
    List<org.apache.spark.sql.catalyst.expressions.Expression> exprs = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (Column c : arguments) {
      exprs.add(org.apache.spark.sql.classic.ExpressionUtils.expression(Objects.requireNonNull(c)));
      names.add(columnName(c.node(), exprs.get(exprs.size() - 1)));
    }
    return org.apache.spark.sql.classic.ExpressionUtils.column(
        VmapUdfExpression.result(
            VmapUdfExpression.call(
                planner, exprs, VmapUdfExpression.argumentNames(planner, exprs, names))));
  }

  /**
   * A column's own name: the last part of a column reference ({@code col("x")}), an alias, a
   * resolved column ({@code df.col("x")}); else null.
   */
  private static String columnName(
      org.apache.spark.sql.internal.ColumnNode node,
      org.apache.spark.sql.catalyst.expressions.Expression expression) {
    if (expression instanceof org.apache.spark.sql.catalyst.expressions.NamedExpression n) {
      return n.name();
    }
    if (node instanceof org.apache.spark.sql.internal.UnresolvedAttribute a) {
      return a.nameParts().last();
    }
    if (node instanceof org.apache.spark.sql.internal.Alias a && a.name().size() == 1) {
      return a.name().head();
    }
    return null;
  }

  /** The schema {@link #transform} gives for {@code df}, without running the transform. */
  public StructType outputSchema(Dataset<Row> df) {
    return planner.plan(df).schema();
  }

  /** What the driver resolves for {@code df} (for {@link PerSampleGradients} and tests). */
  VmapUdfPlanner.Plan plan(Dataset<Row> df) {
    return planner.plan(df);
  }

  /** The driver's planning of this udf (Catalyst's handle on it, and tests'). */
  VmapUdfPlanner planner() {
    return planner;
  }

  /** Rows per batch as configured; 0: the session's. */
  int batchSize() {
    return options.rows().batchSize();
  }
}
