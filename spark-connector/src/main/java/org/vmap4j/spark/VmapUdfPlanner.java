package org.vmap4j.spark;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.vmap4j.Tensor;
import org.vmap4j.spark.catalyst.VmapCallPlanner;
import org.vmap4j.spark.executor.ArrowBatching;
import org.vmap4j.spark.executor.BatchKernel;
import org.vmap4j.spark.executor.EagerKernel;
import org.vmap4j.spark.executor.InputColumn;
import org.vmap4j.spark.executor.OutputColumn;
import org.vmap4j.spark.executor.PartitionProcessor;
import org.vmap4j.spark.executor.ProgramKernel;
import org.vmap4j.spark.executor.ResolvedFunction;

/**
 * The driver's planning of one {@link VmapUdf}: binding its input columns to the function's
 * arguments, resolving their shapes ({@link InputColumnResolver}), inferring the outputs ({@link
 * OutputInference}), tracing the function into the program executors run, and building the
 * executors' {@link PartitionProcessor}. Nothing here runs on executors.
 */
final class VmapUdfPlanner implements VmapCallPlanner {
  private final VmapUdfOptions options;

  VmapUdfPlanner(VmapUdfOptions options) {
    this.options = options;
  }

  /** What the driver resolves before a job: the function, the batch size and the schema. */
  record Plan(ResolvedFunction resolved, int batchSize, StructType schema) {}

  /**
   * Resolves the function against {@code df} (shapes not declared may be read from its first rows)
   * and checks that the output columns do not clash with {@code df}'s.
   */
  Plan plan(Dataset<Row> df) {
    Objects.requireNonNull(df, "df");
    StructType schema = df.schema();
    ResolvedFunction resolved = resolve(schema, df);
    List<StructField> fields = new ArrayList<>(Arrays.asList(schema.fields()));
    // names as Spark's analyzer compares them: "X" and "x" are one column unless case-sensitive
    boolean caseSensitive = org.apache.spark.sql.internal.SQLConf.get().caseSensitiveAnalysis();
    Set<String> taken = new HashSet<>();
    for (StructField f : schema.fields()) {
      taken.add(caseSensitive ? f.name() : f.name().toLowerCase(java.util.Locale.ROOT));
    }
    String errorColumn = options.rows().errorColumn();
    for (StructField f : outputFields(resolved)) {
      if (!taken.add(caseSensitive ? f.name() : f.name().toLowerCase(java.util.Locale.ROOT))) {
        throw new IllegalArgumentException(
            f.name().equals(errorColumn) && errorPolicy() == ErrorPolicy.ERROR_COLUMN
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
    return new Plan(
        resolved,
        rowsPerBatch(df.sparkSession()),
        new StructType(fields.toArray(new StructField[0])));
  }

  private int rowsPerBatch(SparkSession session) {
    int n = options.rows().batchSize();
    return n > 0 ? n : ArrowBatching.recordsPerBatch(session);
  }

  @Override
  public List<StructField> outputFields(ResolvedFunction resolved) {
    boolean nullable = errorPolicy() == ErrorPolicy.ERROR_COLUMN;
    List<StructField> fields = new ArrayList<>();
    for (OutputColumn o : resolved.outputs()) {
      fields.add(o.field(nullable));
    }
    if (nullable) {
      fields.add(
          DataTypes.createStructField(options.rows().errorColumn(), DataTypes.StringType, true));
    }
    return fields;
  }

  @Override
  public String keyColumn() {
    return options.inputs().keyColumn();
  }

  @Override
  public List<String> inputColumns() {
    return options.inputs().columns();
  }

  /** Whether the udf refuses NaN and infinities in floating inputs ({@code rejectNonFinite()}). */
  boolean rejectsNonFinite() {
    return options.rows().nonFinite() == NonFinitePolicy.REJECT;
  }

  /** Whether batches pass through Arrow vectors ({@code arrowBatches}, true by default). */
  boolean arrowBatches() {
    return options.rows().arrowBatches();
  }

  @Override
  public ErrorPolicy errorPolicy() {
    return options.rows().errorPolicy();
  }

  @Override
  public boolean perRowRandom() {
    return options.randomness().perRow();
  }

  @Override
  public ResolvedFunction resolve(List<String> argumentNames, StructType arguments) {
    return new VmapUdfPlanner(options.withInputs(options.inputs().boundTo(argumentNames)))
        .resolve(arguments, null);
  }

  /**
   * Resolves the input columns in {@code schema}, infers the outputs by running the function once
   * on zeros, and traces the kernel. {@code data}, when given, is read for array lengths that are
   * neither declared nor in the column metadata; without it such a column is an error.
   */
  ResolvedFunction resolve(StructType schema, Dataset<Row> data) {
    List<String> inputColumns = options.inputs().columns();
    if (inputColumns.isEmpty()) {
      throw new IllegalStateException(
          "vmapUdf: no input columns; name them with inputColumns(...)");
    }
    EagerKernel.Binding binding = binding();
    InputColumnResolver columns = new InputColumnResolver(options);
    columns.checkShapeNames();
    VmapUdfOptions.Differentiation d = options.differentiation();
    d.what().checkConstants(d.transformName(), options.constantsPytree());
    InputColumn[] inputs = columns.resolve(data, schema);
    EagerKernel kernel =
        new EagerKernel(
            UUID.randomUUID().toString(),
            options.callable(),
            options.arity(),
            options.hasConstants(),
            binding,
            inputColumns,
            options.randomness().mode());
    OutputColumn[] outputs = new OutputInference(options).infer(kernel, inputs);
    return new ResolvedFunction(inputs, outputs, driverTraced(kernel, inputs));
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
    boolean perRow = perRowRandom();
    String reason;
    RuntimeException failure = null;
    try {
      ProgramKernel p =
          ProgramKernel.trace(
              kernel,
              options.constantsPytree(),
              perExample,
              perRow ? options.randomness().seed() : null);
      if (p != null) {
        InputDependence.warnIfConstant(p, options.inputs().columns());
        return p;
      }
      reason = "it reads tensors it does not receive as arguments or constants";
    } catch (RuntimeException e) {
      // not silent: the fallback below is logged once per reason, with this trace
      reason = e.toString();
      failure = e;
    }
    if (perRow) {
      throw new IllegalArgumentException(
          "vmapUdf: per-row random numbers (randomness(DIFFERENT)) need a function the driver"
              + " can trace, and this one could not be traced ("
              + reason
              + ")",
          failure);
    }
    OneTimeWarnings.warn(
        "untraceable: " + reason,
        "vmapUdf: the function could not be traced on the driver ("
            + reason
            + "); executors run it eagerly under vmap and compile it themselves, which is slower"
            + " and runs its Java code on every executor",
        failure);
    return kernel;
  }

  /** How the input columns become the function's arguments, or the error that says why not. */
  private EagerKernel.Binding binding() {
    List<String> inputColumns = options.inputs().columns();
    int n = inputColumns.size();
    int arity = options.arity();
    if (arity > 2) {
      return columnPerArgument(n);
    }
    if (arity == 1 || options.hasConstants()) {
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
    boolean hasConstants = options.hasConstants();
    int arity = options.arity();
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
              + options.inputs().columns());
    }
    return EagerKernel.Binding.COLUMN_PER_ARGUMENT;
  }

  @Override
  public PartitionProcessor processor(
      ResolvedFunction resolved,
      InputColumn[] inputs,
      SparkSession session,
      int keyOrdinal,
      DataType keyType) {
    Broadcast<ShippedTree> shipped = null;
    if (options.hasConstants()) {
      shipped =
          JavaSparkContext.fromSparkContext(session.sparkContext())
              .broadcast(ShippedTree.of(options.constantsPytree()));
    }
    VmapUdfOptions.Rows rows = options.rows();
    return new PartitionProcessor(
        inputs,
        resolved.outputs(),
        rowsPerBatch(session),
        rows.errorPolicy(),
        rows.nonFinite(),
        resolved.kernel(),
        shipped,
        rows.arrowBatches(),
        keyColumn(),
        keyOrdinal,
        keyType);
  }

  /**
   * Fails on the driver, with the fix, when the function cannot be shipped: most often because it
   * captures a tensor (core's tensors are not {@link java.io.Serializable}).
   */
  void checkSerializable() {
    try (java.io.ObjectOutputStream out =
        new java.io.ObjectOutputStream(java.io.OutputStream.nullOutputStream())) {
      out.writeObject(options.callable());
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
}
