package org.vmap4j.spark;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.UserDefinedType;
import org.vmap4j.DType;
import org.vmap4j.Tensor;
import org.vmap4j.Tree;

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
 * Until core's {@code jit} exists the function itself is shipped and run eagerly (see {@link
 * BatchKernel}); a compiled program will replace it without an API change.
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

  private final SerializableFunction<Object[], Object> callable;
  private final int arity;
  private List<String> inputColumns;
  private Map<String, int[]> shapes;
  private List<String> outputNames;
  private List<DataType> outputTypes;
  private String outputPrefix;
  private int batchSize;
  private Object constants;
  private boolean hasConstants;
  private ErrorPolicy errorPolicy;
  private String errorColumn;
  private NonFinitePolicy nonFinite;
  private MatrixLayout matrixLayout;
  private boolean arrowBatches;

  /** Set by {@link PerSampleGradients} and {@link Jacobians}: what must be floating. */
  private Differentiated differentiated = Differentiated.NOTHING;

  private String transformName = "vmapUdf";

  /**
   * Whether the input names are the names of the columns a Column-form call was applied to (not
   * given by the user): then a single shape declared by name is the function's own name for its one
   * argument.
   */
  private boolean namesFromColumns;

  /** What core's random primitives in the function do ({@link #randomness(Randomness)}). */
  private org.vmap4j.Randomness randomness = org.vmap4j.Randomness.ERROR;

  private long seed;

  /** The column whose value error messages quote for a bad row; null: none. */
  private String keyColumn;

  /** Shapes declared by argument position ({@link #shape(int, int...)}). */
  private Map<Integer, int[]> argumentShapes = Map.of();

  VmapUdf(SerializableFunction<Object[], Object> callable, int arity) {
    this(
        callable,
        arity,
        List.of(),
        Map.of(),
        null,
        null,
        DEFAULT_OUTPUT,
        0,
        null,
        false,
        ErrorPolicy.FAIL,
        DEFAULT_ERROR_COLUMN,
        NonFinitePolicy.ALLOW,
        MatrixLayout.NESTED,
        true);
  }

  private VmapUdf(
      SerializableFunction<Object[], Object> callable,
      int arity,
      List<String> inputColumns,
      Map<String, int[]> shapes,
      List<String> outputNames,
      List<DataType> outputTypes,
      String outputPrefix,
      int batchSize,
      Object constants,
      boolean hasConstants,
      ErrorPolicy errorPolicy,
      String errorColumn,
      NonFinitePolicy nonFinite,
      MatrixLayout matrixLayout,
      boolean arrowBatches) {
    this.callable = callable;
    this.arity = arity;
    this.inputColumns = inputColumns;
    this.shapes = shapes;
    this.outputNames = outputNames;
    this.outputTypes = outputTypes;
    this.outputPrefix = outputPrefix;
    this.batchSize = batchSize;
    this.constants = constants;
    this.hasConstants = hasConstants;
    this.errorPolicy = errorPolicy;
    this.errorColumn = errorColumn;
    this.nonFinite = nonFinite;
    this.matrixLayout = matrixLayout;
    this.arrowBatches = arrowBatches;
  }

  /** A copy to change: configuration methods return new instances, never modify this one. */
  private VmapUdf copy() {
    VmapUdf copy =
        new VmapUdf(
            callable,
            arity,
            inputColumns,
            shapes,
            outputNames,
            outputTypes,
            outputPrefix,
            batchSize,
            constants,
            hasConstants,
            errorPolicy,
            errorColumn,
            nonFinite,
            matrixLayout,
            arrowBatches);
    copy.differentiated = differentiated;
    copy.transformName = transformName;
    copy.argumentShapes = argumentShapes;
    copy.namesFromColumns = namesFromColumns;
    copy.keyColumn = keyColumn;
    copy.randomness = randomness;
    copy.seed = seed;
    return copy;
  }

  /**
   * Marks what the function differentiates with respect to, for {@code transform}'s error messages
   * (see {@link Differentiated}).
   */
  VmapUdf differentiates(Differentiated what, String transform) {
    VmapUdf copy = copy();
    copy.differentiated = Objects.requireNonNull(what);
    copy.transformName = Objects.requireNonNull(transform);
    return copy;
  }

  // ---------------------------------------------------------------- configuration

  /** This function bound to the columns a Column-form call was applied to, under these names. */
  VmapUdf boundTo(List<String> columnNames) {
    VmapUdf copy = inputColumns(columnNames.toArray(new String[0]));
    copy.namesFromColumns = inputColumns.isEmpty();
    return copy;
  }

  /** The columns the function reads, in argument order (see the class comment). */
  public VmapUdf inputColumns(String... columns) {
    List<String> cols = List.of(columns);
    if (cols.isEmpty()) {
      throw new IllegalArgumentException("vmapUdf: inputColumns needs at least one column");
    }
    if (new HashSet<>(cols).size() != cols.size()) {
      throw new IllegalArgumentException("vmapUdf: inputColumns has duplicates: " + cols);
    }
    VmapUdf copy = copy();
    copy.inputColumns = cols;
    return copy;
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
    Map<String, int[]> s = new LinkedHashMap<>(shapes);
    s.put(column, shape.clone());
    VmapUdf copy = copy();
    copy.shapes = Map.copyOf(s);
    return copy;
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
    Map<Integer, int[]> s = new LinkedHashMap<>(argumentShapes);
    s.put(position, shape.clone());
    VmapUdf copy = copy();
    copy.argumentShapes = Map.copyOf(s);
    return copy;
  }

  /**
   * A column that identifies rows (an id): a bad row's error quotes its value, {@code column 'x',
   * row id=17 (partition 1, row 2): ...}, instead of only its position in its partition. Any type
   * Spark can print; it is read, not passed to the function.
   */
  public VmapUdf keyColumn(String column) {
    VmapUdf copy = copy();
    copy.keyColumn = Objects.requireNonNull(column, "column");
    return copy;
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
    VmapUdf copy = copy();
    copy.randomness = Objects.requireNonNull(mode);
    return copy;
  }

  /** The seed that keys per-row random numbers under {@code randomness(DIFFERENT)}; 0 if unset. */
  public VmapUdf seed(long seed) {
    VmapUdf copy = copy();
    copy.seed = seed;
    return copy;
  }

  boolean isRandom() {
    return randomness == org.vmap4j.Randomness.DIFFERENT;
  }

  String keyColumnName() {
    return keyColumn;
  }

  /** Names the output columns, one per tensor of the function's result in pytree order. */
  public VmapUdf outputColumns(String... names) {
    VmapUdf copy = copy();
    copy.outputNames = List.of(names);
    return copy;
  }

  /**
   * The Spark types of the output columns, one per output: each must have the array nesting of the
   * inferred shape ({@link MatrixLayout}); its element type may differ from the function's dtype
   * (e.g. {@code double} for an F32 result), and the values are converted as {@link Tensor#astype}
   * converts them.
   */
  public VmapUdf outputTypes(DataType... types) {
    VmapUdf copy = copy();
    copy.outputTypes = List.of(types);
    return copy;
  }

  /**
   * The name of a single unnamed output, or the prefix of derived names ({@code prefix_w} for a
   * record component {@code w}); {@value #DEFAULT_OUTPUT} by default.
   */
  public VmapUdf outputPrefix(String prefix) {
    VmapUdf copy = copy();
    copy.outputPrefix = Objects.requireNonNull(prefix);
    return copy;
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
    VmapUdf copy = copy();
    copy.batchSize = rows;
    return copy;
  }

  /**
   * The unmapped first argument of a two-argument function (e.g. model parameters): a pytree of
   * tensors, shipped in one Spark broadcast and rebuilt once per executor JVM.
   */
  public VmapUdf constants(Object pytree) {
    if (arity < 2) {
      throw new IllegalArgumentException(
          "vmapUdf: constants are the first argument of a two-argument function (constants,"
              + " example), but this function takes one argument; capture them in the lambda or"
              + " use a BiFunction");
    }
    Tree.flatten(pytree); // fails now, naming the path, if it is not a pytree
    VmapUdf copy = copy();
    copy.constants = pytree;
    copy.hasConstants = true;
    return copy;
  }

  public VmapUdf errorPolicy(ErrorPolicy policy) {
    VmapUdf copy = copy();
    copy.errorPolicy = Objects.requireNonNull(policy);
    return copy;
  }

  /** Selects {@link ErrorPolicy#ERROR_COLUMN} with an error column of this name. */
  public VmapUdf errorColumn(String name) {
    VmapUdf copy = copy();
    copy.errorPolicy = ErrorPolicy.ERROR_COLUMN;
    copy.errorColumn = Objects.requireNonNull(name);
    return copy;
  }

  public VmapUdf nonFinite(NonFinitePolicy policy) {
    VmapUdf copy = copy();
    copy.nonFinite = Objects.requireNonNull(policy);
    return copy;
  }

  /** Shorthand for {@code nonFinite(NonFinitePolicy.REJECT)}. */
  public VmapUdf rejectNonFinite() {
    return nonFinite(NonFinitePolicy.REJECT);
  }

  public VmapUdf matrixLayout(MatrixLayout layout) {
    VmapUdf copy = copy();
    copy.matrixLayout = Objects.requireNonNull(layout);
    return copy;
  }

  /**
   * Whether batches pass through Arrow vectors (the default, true) or are gathered straight into
   * the tensors' Java arrays (false: one copy fewer). Both give identical results; see
   * docs/spark.md for the measured difference. BOOL columns always take the second way.
   */
  public VmapUdf arrowBatches(boolean viaArrow) {
    VmapUdf copy = copy();
    copy.arrowBatches = viaArrow;
    return copy;
  }

  // ---------------------------------------------------------------- running

  /**
   * The input rows with the output columns appended, lazily: nothing runs until an action, except
   * on the driver the function once on zeros (to infer the outputs) and, for an array column whose
   * shape is neither declared nor in its metadata, a one-row job to read its length.
   */
  public Dataset<Row> transform(Dataset<Row> df) {
    checkSerializable();
    Plan plan = plan(df); // configuration errors, and shapes read from the data, before any job
    VmapSpark.install(df.sparkSession());
    InputColumn[] inputs = plan.resolved.inputs();
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
    VmapUdfExpression call = VmapUdfExpression.call(bound, args, inputColumns);
    VmapUdfExpression.remember(
        bound, new StructType(argumentFields.toArray(new StructField[0])), plan.resolved);
    Column result =
        org.apache.spark.sql.classic.ExpressionUtils.column(VmapUdfExpression.result(call));
    List<StructField> fields = outputFields(plan.resolved);
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
    checkSerializable();
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
                this, exprs, VmapUdfExpression.argumentNames(this, exprs, names))));
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

  /** The executor-side processor of a resolved function, its constants broadcast once. */
  PartitionProcessor processor(
      Resolved resolved,
      InputColumn[] inputs,
      int rowsPerBatch,
      org.apache.spark.sql.SparkSession session,
      int keyOrdinal,
      DataType keyType) {
    Broadcast<ShippedTree> shipped = null;
    if (hasConstants) {
      shipped =
          JavaSparkContext.fromSparkContext(session.sparkContext())
              .broadcast(ShippedTree.of(constants));
    }
    return new PartitionProcessor(
        inputs,
        resolved.outputs(),
        rowsPerBatch > 0 ? rowsPerBatch : ArrowBatching.recordsPerBatch(session),
        errorPolicy,
        nonFinite,
        resolved.kernel(),
        shipped,
        arrowBatches,
        keyColumn,
        keyOrdinal,
        keyType);
  }

  int batchSize() {
    return batchSize;
  }

  ErrorPolicy errorPolicy() {
    return errorPolicy;
  }

  String errorColumnName() {
    return errorColumn;
  }

  List<String> inputColumnNames() {
    return inputColumns;
  }

  /**
   * Fails on the driver, with the fix, when the function cannot be shipped: most often because it
   * captures a tensor (core's tensors are not {@link java.io.Serializable}).
   */
  private void checkSerializable() {
    try (java.io.ObjectOutputStream out =
        new java.io.ObjectOutputStream(java.io.OutputStream.nullOutputStream())) {
      out.writeObject(callable);
    } catch (java.io.NotSerializableException e) {
      String what = e.getMessage();
      boolean tensor = what != null && what.startsWith("org.vmap4j.");
      throw new IllegalArgumentException(
          "vmapUdf: the function cannot be shipped to executors: it captures a "
              + what
              + ", which is not serializable"
              + (tensor
                  ? "; pass tensors as constants(...) of a two-argument function (constants,"
                      + " example) -- they are broadcast once per executor -- instead of"
                      + " capturing them"
                  : "; capture only serializable values"),
          e);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** The schema {@link #transform} gives for {@code df}, without running the transform. */
  public StructType outputSchema(Dataset<Row> df) {
    return plan(df).schema;
  }

  private static org.apache.spark.sql.classic.Dataset<Row> classic(Dataset<Row> df) {
    if (df instanceof org.apache.spark.sql.classic.Dataset<Row> c) {
      return c;
    }
    throw new UnsupportedOperationException(
        "vmapUdf runs inside Spark's JVM (Spark classic); this Dataset is a "
            + df.getClass().getName()
            + " (Spark Connect?)");
  }

  /** The function resolved against its input columns' Spark types: what runs on executors. */
  record Resolved(InputColumn[] inputs, OutputColumn[] outputs, BatchKernel kernel) {}

  /** What the driver resolves before a job: the function, the batch size and the schema. */
  record Plan(Resolved resolved, int batchSize, StructType schema) {}

  Plan plan(Dataset<Row> df) {
    Objects.requireNonNull(df, "df");
    StructType schema = df.schema();
    Resolved resolved = resolve(schema, df);
    List<StructField> fields = new ArrayList<>(Arrays.asList(schema.fields()));
    Set<String> taken = new HashSet<>();
    for (StructField f : schema.fields()) {
      taken.add(f.name());
    }
    for (StructField f : outputFields(resolved)) {
      if (!taken.add(f.name())) {
        throw new IllegalArgumentException(
            f.name().equals(errorColumn) && errorPolicy == ErrorPolicy.ERROR_COLUMN
                ? "vmapUdf: the error column '"
                    + errorColumn
                    + "' is already a column; rename it with errorColumn(...)"
                : "vmapUdf: output column '"
                    + f.name()
                    + "' is already a column of the DataFrame (or another output); rename it"
                    + " with outputColumns(...) or outputPrefix(...)");
      }
      fields.add(f);
    }
    int rows = batchSize > 0 ? batchSize : ArrowBatching.recordsPerBatch(df.sparkSession());
    return new Plan(resolved, rows, new StructType(fields.toArray(new StructField[0])));
  }

  /** The fields each row gains: one per output, then the error column when there is one. */
  List<StructField> outputFields(Resolved resolved) {
    boolean nullable = errorPolicy == ErrorPolicy.ERROR_COLUMN;
    List<StructField> fields = new ArrayList<>();
    for (OutputColumn o : resolved.outputs()) {
      fields.add(o.field(nullable));
    }
    if (nullable) {
      fields.add(DataTypes.createStructField(errorColumn, DataTypes.StringType, true));
    }
    return fields;
  }

  /**
   * Resolves the input columns in {@code schema}, infers the outputs by running the function once
   * on zeros, and traces the kernel. {@code data}, when given, is read for array lengths that are
   * neither declared nor in the column metadata; without it such a column is an error.
   */
  Resolved resolve(StructType schema, Dataset<Row> data) {
    if (inputColumns.isEmpty()) {
      throw new IllegalStateException(
          "vmapUdf: no input columns; name them with inputColumns(...)");
    }
    EagerKernel.Binding binding = binding();
    checkShapeNames();
    differentiated.checkConstants(transformName, constants);
    InputColumn[] inputs = resolveInputs(data, schema);
    EagerKernel kernel =
        new EagerKernel(
            UUID.randomUUID().toString(),
            callable,
            arity,
            hasConstants,
            binding,
            inputColumns,
            randomness);
    OutputColumn[] outputs = inferOutputs(kernel, inputs);
    return new Resolved(inputs, outputs, driverTraced(kernel, inputs));
  }

  /**
   * The per-example function traced once on the driver into a program that executors compile once
   * per JVM; the function itself when it cannot be traced (executors then jit it).
   */
  private BatchKernel driverTraced(EagerKernel kernel, InputColumn[] inputs) {
    List<Tensor> perExample = new ArrayList<>();
    for (InputColumn c : inputs) {
      perExample.add(Tensor.zeros(c.dtype, c.shape));
    }
    String reason;
    try {
      ProgramKernel p =
          ProgramKernel.trace(kernel, constants, perExample, isRandom() ? seed : null);
      if (p != null) {
        InputDependence.warnIfConstant(p, inputColumns);
        return p;
      }
      reason = "it reads tensors it does not receive as arguments or constants";
    } catch (RuntimeException e) {
      reason = e.toString();
    }
    if (isRandom()) {
      throw new IllegalArgumentException(
          "vmapUdf: per-row random numbers (randomness(DIFFERENT)) need a function the driver"
              + " can trace, and this one could not be traced ("
              + reason
              + ")");
    }
    OneTimeWarnings.warn(
        "untraceable: " + reason,
        "vmapUdf: the function could not be traced on the driver ("
            + reason
            + "); executors run it eagerly under vmap and compile it themselves, which is slower"
            + " and runs its Java code on every executor");
    return kernel;
  }

  private EagerKernel.Binding binding() {
    int n = inputColumns.size();
    if (arity > 2) {
      return columnPerArgument(n);
    }
    if (arity == 1 || hasConstants) {
      return n == 1 ? EagerKernel.Binding.TENSOR : EagerKernel.Binding.MAP;
    }
    if (n != 2) {
      throw new IllegalArgumentException(
          "vmapUdf: a two-argument function without constants takes one input column per"
              + " argument, but "
              + n
              + " columns were given: "
              + inputColumns
              + "; or give constants(...) for the first argument");
    }
    return EagerKernel.Binding.TWO_TENSORS;
  }

  /** Three or four arguments: the constants (if any), then one input column per argument. */
  private EagerKernel.Binding columnPerArgument(int columns) {
    int mapped = hasConstants ? arity - 1 : arity;
    if (columns != mapped) {
      throw new IllegalArgumentException(
          "vmapUdf: a "
              + arity
              + "-argument function "
              + (hasConstants ? "with constants" : "without constants")
              + " takes one input column per "
              + (hasConstants ? "argument after the constants" : "argument")
              + ", "
              + mapped
              + " columns, but "
              + columns
              + " were given: "
              + inputColumns);
    }
    return EagerKernel.Binding.COLUMN_PER_ARGUMENT;
  }

  // ---------------------------------------------------------------- inputs

  private InputColumn[] resolveInputs(Dataset<Row> df, StructType schema) {
    InputColumn[] inputs = new InputColumn[inputColumns.size()];
    InputColumn.Kind[] kinds = new InputColumn.Kind[inputs.length];
    InputColumn.Source[] sources = new InputColumn.Source[inputs.length];
    int[][] known = new int[inputs.length][];
    List<String> toInfer = new ArrayList<>();
    for (int c = 0; c < inputs.length; c++) {
      String name = inputColumns.get(c);
      StructField f = field(schema, name);
      DataType t = f.dataType();
      int depth = 0;
      while (t instanceof ArrayType a) {
        t = a.elementType();
        depth++;
      }
      InputColumn.Source source = InputColumn.sourceOf(t);
      InputColumn.Kind kind;
      if (source != null) {
        kind =
            depth == 0
                ? InputColumn.Kind.SCALAR
                : depth == 1 ? InputColumn.Kind.ARRAY : InputColumn.Kind.NESTED;
      } else if (depth == 0 && InputColumn.isVectorUdt(f.dataType())) {
        kind = InputColumn.Kind.VECTOR;
        source = InputColumn.Source.DOUBLE;
      } else {
        throw new IllegalArgumentException(
            "vmapUdf: column '"
                + name
                + "' has Spark type "
                + f.dataType().simpleString()
                + ", which is not a tensor; supported: numeric and boolean scalars, arrays and"
                + " nested arrays of them, and MLlib vectors");
      }
      differentiated.checkColumn(transformName, name, f.dataType(), InputColumn.dtypeOf(source));
      kinds[c] = kind;
      sources[c] = source;
      int[] declared = declared(c);
      int[] fromMetadata = metadataShape(f.metadata());
      int[] shape = declared != null ? declared : fromMetadata;
      if (kind == InputColumn.Kind.SCALAR) {
        if (shape != null && shape.length != 0) {
          throw new IllegalArgumentException(
              "vmapUdf: column '"
                  + name
                  + "' is a scalar column ("
                  + f.dataType().simpleString()
                  + ") but its shape is declared as "
                  + Arrays.toString(shape));
        }
        shape = new int[0];
      } else if (shape != null) {
        checkRank(name, f.dataType(), kind, depth, shape, declared != null);
      } else {
        toInfer.add(name);
      }
      known[c] = shape;
    }
    if (!toInfer.isEmpty() && df == null) {
      throw new IllegalArgumentException(
          "vmapUdf: the per-example shape of column(s) "
              + toInfer
              + " is unknown: declare it with shape(column, dims...) (a vmapUdf Column's type is"
              + " fixed before any job runs, so it cannot be read from the first row as"
              + " transform(...) does)");
    }
    if (!toInfer.isEmpty()) {
      inferShapes(df, schema, toInfer, kinds, known);
    }
    for (int c = 0; c < inputs.length; c++) {
      String name = inputColumns.get(c);
      int ordinal = java.util.Arrays.asList(schema.fields()).indexOf(field(schema, name));
      inputs[c] = new InputColumn(name, ordinal, kinds[c], sources[c], known[c]);
    }
    return inputs;
  }

  /**
   * The shape declared for the argument at {@code position}: by position; else by the name it is
   * bound under; else, for a function of one argument, the one shape declared by name (the
   * function's own name for its argument, whatever the column is called). Null when none.
   */
  private int[] declared(int position) {
    int[] byPosition = argumentShapes.get(position);
    if (byPosition != null) {
      return byPosition;
    }
    int[] byName = shapes.get(inputColumns.get(position));
    if (byName != null) {
      return byName;
    }
    if (oneNamedShapeForOneArgument()) {
      return shapes.values().iterator().next();
    }
    return null;
  }

  /** A shape declared for a name that no argument is bound under is an error, with the fix. */
  private boolean oneNamedShapeForOneArgument() {
    return namesFromColumns && inputColumns.size() == 1 && shapes.size() == 1;
  }

  private void checkShapeNames() {
    if (oneNamedShapeForOneArgument()) {
      return;
    }
    for (Map.Entry<String, int[]> e : shapes.entrySet()) {
      if (!inputColumns.contains(e.getKey())) {
        int[] dims = e.getValue();
        String shape =
            Arrays.stream(dims)
                .mapToObj(Integer::toString)
                .reduce((a, b) -> a + ", " + b)
                .orElse("");
        throw new IllegalArgumentException(
            "vmapUdf: a shape is declared for '"
                + e.getKey()
                + "', but the function's arguments are bound as "
                + inputColumns
                + " (the input columns, or the argument columns' own names; argN for an"
                + " expression); declare it by position, e.g. shape(0"
                + (shape.isEmpty() ? "" : ", " + shape)
                + "), or under one of those names");
      }
    }
  }

  private static StructField field(StructType schema, String name) {
    boolean caseSensitive = org.apache.spark.sql.internal.SQLConf.get().caseSensitiveAnalysis();
    StructField match = null;
    for (StructField f : schema.fields()) {
      if (f.name().equals(name)) {
        return f;
      }
      if (!caseSensitive && f.name().equalsIgnoreCase(name)) {
        if (match != null) {
          throw new IllegalArgumentException(
              "vmapUdf: column '"
                  + name
                  + "' is ambiguous: the DataFrame has '"
                  + match.name()
                  + "' and '"
                  + f.name()
                  + "' (spark.sql.caseSensitive is false)");
        }
        match = f;
      }
    }
    if (match != null) {
      return match;
    }
    throw new IllegalArgumentException(
        "vmapUdf: no column '"
            + name
            + "' in the DataFrame; its columns are "
            + Arrays.toString(schema.fieldNames()));
  }

  private static int[] metadataShape(Metadata m) {
    if (!m.contains(SHAPE_METADATA_KEY)) {
      return null;
    }
    long[] s = m.getLongArray(SHAPE_METADATA_KEY);
    int[] shape = new int[s.length];
    for (int i = 0; i < s.length; i++) {
      shape[i] = Math.toIntExact(s[i]);
    }
    return shape;
  }

  private static void checkRank(
      String name, DataType type, InputColumn.Kind kind, int depth, int[] shape, boolean declared) {
    boolean ok =
        switch (kind) {
          case ARRAY -> true;
          case NESTED -> shape.length == depth;
          case VECTOR -> shape.length == 1;
          case SCALAR -> shape.length == 0;
        };
    if (!ok) {
      throw new IllegalArgumentException(
          "vmapUdf: column '"
              + name
              + "' of Spark type "
              + type.simpleString()
              + " has "
              + (kind == InputColumn.Kind.NESTED ? depth + " array levels" : "one dimension")
              + ", but its shape "
              + (declared ? "is declared as " : "in the column metadata is ")
              + Arrays.toString(shape));
    }
  }

  /**
   * Infers the shapes of the columns still without one from the data, before any job of the
   * transform: for arrays, the most common lengths among the first batch of rows with no null in
   * these columns (so one ragged row among them is the one reported bad, not every good one); for
   * vectors, the size in the first such row. One small Spark job; only lengths are collected.
   */
  private void inferShapes(
      Dataset<Row> df,
      StructType schema,
      List<String> names,
      InputColumn.Kind[] kinds,
      int[][] known) {
    Column notNull = null;
    for (String name : names) {
      Column c = functions.col(quoted(name));
      notNull = notNull == null ? c.isNotNull() : notNull.and(c.isNotNull());
    }
    List<Column> sizes = new ArrayList<>();
    List<String> vectors = new ArrayList<>();
    for (String name : names) {
      int c = inputColumns.indexOf(name);
      if (kinds[c] == InputColumn.Kind.VECTOR) {
        vectors.add(name);
        continue;
      }
      Column level = functions.col(quoted(name));
      for (DataType t = field(schema, name).dataType(); t instanceof ArrayType a; ) {
        sizes.add(functions.size(level));
        level = level.getItem(0);
        t = kinds[c] == InputColumn.Kind.ARRAY ? null : a.elementType();
      }
    }
    int rows = batchSize > 0 ? batchSize : ArrowBatching.recordsPerBatch(df.sparkSession());
    List<Row> lengths =
        sizes.isEmpty()
            ? List.of()
            : df.where(notNull).select(sizes.toArray(new Column[0])).limit(rows).collectAsList();
    List<Row> firstVector =
        vectors.isEmpty()
            ? List.of()
            : df.where(notNull)
                .select(vectors.stream().map(v -> functions.col(quoted(v))).toArray(Column[]::new))
                .limit(1)
                .collectAsList();
    if (sizes.isEmpty() ? firstVector.isEmpty() : lengths.isEmpty()) {
      throw new IllegalArgumentException(
          "vmapUdf: cannot infer the per-example shape of column(s) "
              + names
              + ": the DataFrame has no row where they are all non-null (is it empty?); declare"
              + " them with shape(column, dims...)");
    }
    int next = 0;
    int nextVector = 0;
    for (String name : names) {
      int c = inputColumns.indexOf(name);
      DataType t = field(schema, name).dataType();
      if (kinds[c] == InputColumn.Kind.VECTOR) {
        known[c] = new int[] {vectorSize(firstVector.get(0).get(nextVector++), t)};
        continue;
      }
      int levels = kinds[c] == InputColumn.Kind.ARRAY ? 1 : depth(t);
      known[c] = mostCommon(lengths, next, levels);
      next += levels;
    }
  }

  private static String quoted(String column) {
    return "`" + column.replace("`", "``") + "`";
  }

  private static int depth(DataType t) {
    int d = 0;
    while (t instanceof ArrayType a) {
      t = a.elementType();
      d++;
    }
    return d;
  }

  /** The most common tuple of {@code levels} lengths from column {@code first} on (ties: first). */
  private static int[] mostCommon(List<Row> rows, int first, int levels) {
    Map<List<Integer>, Integer> counts = new LinkedHashMap<>();
    for (Row r : rows) {
      List<Integer> dims = new ArrayList<>();
      for (int l = 0; l < levels; l++) {
        dims.add(r.isNullAt(first + l) ? -1 : r.getInt(first + l));
      }
      counts.merge(dims, 1, Integer::sum);
    }
    List<Integer> best = null;
    int bestCount = 0;
    for (Map.Entry<List<Integer>, Integer> e : counts.entrySet()) {
      if (e.getValue() > bestCount) {
        best = e.getKey();
        bestCount = e.getValue();
      }
    }
    return best.stream().mapToInt(d -> Math.max(d, 0)).toArray();
  }

  private static int[] nestedShape(List<?> list, DataType t) {
    List<Integer> dims = new ArrayList<>();
    Object level = list;
    while (t instanceof ArrayType a) {
      List<?> l =
          level instanceof List<?> ll
              ? ll
              : scala.jdk.javaapi.CollectionConverters.asJava((scala.collection.Seq<?>) level);
      dims.add(l.size());
      level = l.isEmpty() ? List.of() : l.get(0);
      t = a.elementType();
    }
    return dims.stream().mapToInt(Integer::intValue).toArray();
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static int vectorSize(Object vector, DataType t) {
    InternalRow struct = (InternalRow) ((UserDefinedType) t).serialize(vector);
    return struct.getByte(0) == 1 ? struct.getArray(3).numElements() : struct.getInt(1);
  }

  // ---------------------------------------------------------------- outputs

  private OutputColumn[] inferOutputs(EagerKernel kernel, InputColumn[] inputs) {
    List<Tensor> zeros = new ArrayList<>();
    for (InputColumn c : inputs) {
      int[] shape = new int[c.shape.length + 1];
      shape[0] = 1;
      System.arraycopy(c.shape, 0, shape, 1, c.shape.length);
      zeros.add(Tensor.zeros(c.dtype, shape));
    }
    Object result;
    try {
      result = kernel.callTree(constants, zeros);
    } catch (ClassCastException e) {
      throw new IllegalArgumentException(argumentMismatch(e, inputs), e);
    } catch (RuntimeException e) {
      if (e.getMessage() != null && e.getMessage().startsWith("vmapUdf: the function reads")) {
        throw e;
      }
      throw new IllegalArgumentException(
          "vmapUdf: the function failed when run once on the driver on zeros of the input"
              + " shapes, to infer its outputs (inputs: "
              + describe(inputs)
              + "): "
              + e.getMessage(),
          e);
    }
    Tree.Flat flat = Tree.flatten(result);
    List<String> names = flat.def().leafNames(outputPrefix, outputPrefix.equals(DEFAULT_OUTPUT));
    if (outputNames != null) {
      if (outputNames.size() != names.size()) {
        throw new IllegalArgumentException(
            "vmapUdf: "
                + outputNames.size()
                + " output column names were given "
                + outputNames
                + ", but the function returns "
                + names.size()
                + " tensors "
                + names);
      }
      names = outputNames;
    }
    if (outputTypes != null && outputTypes.size() != names.size()) {
      throw new IllegalArgumentException(
          "vmapUdf: "
              + outputTypes.size()
              + " output types were given, but the function returns "
              + names.size()
              + " tensors "
              + names);
    }
    OutputColumn[] outputs = new OutputColumn[names.size()];
    for (int o = 0; o < outputs.length; o++) {
      Tensor t = flat.leaves().get(o);
      int[] s = t.shape();
      if (s.length == 0 || s[0] != 1) {
        throw new IllegalStateException(
            "vmapUdf: output " + names.get(o) + " lost its batch dimension: " + t.type());
      }
      int[] shape = Arrays.copyOfRange(s, 1, s.length);
      DType dtype = t.dtype();
      OutputColumn column = new OutputColumn(names.get(o), dtype, shape, matrixLayout);
      if (outputTypes != null) {
        DataType given = outputTypes.get(o);
        DataType e = given;
        int depth = 0;
        while (e instanceof ArrayType a) {
          e = a.elementType();
          depth++;
        }
        DType d = OutputColumn.dtypeOf(e);
        if (d == null || depth != column.arrayDepth()) {
          throw new IllegalArgumentException(
              "vmapUdf: output '"
                  + names.get(o)
                  + "' has per-example shape "
                  + Arrays.toString(shape)
                  + " ("
                  + dtype.shortName()
                  + "), which is a Spark "
                  + column.sparkType().simpleString()
                  + " column; the type given, "
                  + given.simpleString()
                  + ", "
                  + (d == null ? "has no tensor element type" : "has " + depth + " array levels"));
        }
        column = new OutputColumn(names.get(o), d, shape, matrixLayout);
      }
      outputs[o] = column;
    }
    return outputs;
  }

  /**
   * What the function takes against what the columns give, when it could not take its argument (a
   * ClassCastException on the driver's run on zeros).
   */
  private String argumentMismatch(ClassCastException e, InputColumn[] inputs) {
    String m = String.valueOf(e.getMessage());
    String given =
        switch (inputs.length == 1 || arity == 2 && !hasConstants
            ? EagerKernel.Binding.TENSOR
            : EagerKernel.Binding.MAP) {
          case MAP -> "a Map<String, Tensor> of the " + inputs.length + " columns " + inputColumns;
          default ->
              "the Tensor of "
                  + (inputs.length == 1 ? "the column " : "the columns ")
                  + inputColumns;
        };
    String fix;
    if (m.contains("to class org.vmap4j.Tensor")) {
      fix =
          "it takes one Tensor, so apply it to one column (or write it over a Map<String, Tensor>"
              + " to read several)";
    } else if (m.contains("to class java.util.Map")) {
      fix =
          "it takes a Map<String, Tensor>, which it gets for several columns; for one column"
              + " write it over a Tensor";
    } else {
      fix = "its argument type does not fit";
    }
    return "vmapUdf: the function cannot take its argument: it was given "
        + given
        + ", but "
        + fix
        + " ("
        + m
        + ")";
  }

  private static String describe(InputColumn[] inputs) {
    StringBuilder s = new StringBuilder();
    for (InputColumn c : inputs) {
      s.append(s.length() == 0 ? "" : ", ")
          .append(c.name)
          .append(' ')
          .append(c.dtype.shortName())
          .append(Arrays.toString(c.shape));
    }
    return s.toString();
  }
}
