package org.vmap4j.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructField;
import org.vmap4j.PerSampleGrads;
import org.vmap4j.Tensor;
import org.vmap4j.Tree;
import org.vmap4j.backend.ArgumentListCalls;
import org.vmap4j.spark.executor.ExampleBatchReader;
import org.vmap4j.spark.executor.InputColumn;

/**
 * The clipped per-row gradient sum of a whole DataFrame ({@link
 * PerSampleGradients#clippedGradientSum}): each partition cuts its rows into batches, runs core's
 * compiled {@link PerSampleGrads#clippedSum} on each (the compiler's ghost clipping: no per-row
 * gradient is formed for a linear layer) and adds the batch sums in {@code double}; the driver adds
 * the partitions' sums in partition order, so a rerun gives bit-identical sums (tasks finishing in
 * another order change nothing).
 *
 * <p>The rows are read as Spark holds them ({@link InternalRow}s, no {@link Row} objects) by the
 * column readers and batch buffers of the udf's executors ({@link ExampleBatchReader} over {@link
 * InputColumn}s that the udf resolves), so every column form of the udf works here the same way:
 * flat and nested arrays, MLlib vectors, declared shapes and reshapes, the same bad-row errors, and
 * the same Arrow batches (reused vectors of the task's allocator; {@code arrowBatches(false)}
 * gathers into Java arrays instead).
 */
final class DataFrameClippedSum {
  private DataFrameClippedSum() {}

  /**
   * Per executor JVM, by a key drawn for each {@code clippedGradientSum} call (not the broadcast
   * id, which a new SparkContext in the same JVM numbers from 0 again): the parameters rebuilt once
   * and the compiled reductions, so the tasks of one call on an executor share one compilation per
   * batch shape instead of tracing and compiling each their own.
   */
  private static final Map<String, Prepared> PREPARED = new ConcurrentHashMap<>();

  private static final int MAX_PREPARED = 16;

  private record Prepared(Object params, PerSampleGrads<Object, Object> grads) {}

  /** One partition's sums, leaf by leaf in pytree order, and its row count. */
  record Partial(double[][] sums, long rows) implements Serializable {
    private static final long serialVersionUID = 1L;
  }

  /**
   * @param udf the {@link PerSampleGradients}' udf: its input columns, declared shapes and key
   *     column are resolved against {@code df} exactly as its column forms resolve them
   */
  static Object[] run(
      SerializableBiFunction<Object, Object, Tensor> loss,
      Object params,
      VmapUdf udf,
      double maxNorm,
      int batchSize,
      Dataset<Row> df) {
    InputColumn[] resolved;
    try {
      // the udf's own resolution: column kinds, declared shapes, metadata shapes, first-row lengths
      resolved = udf.plan(df).resolved().inputs();
    } catch (ShapeUnknownException e) {
      // an undeclared array length cannot be read from an empty DataFrame, nor is it needed; any
      // other resolution error (a misspelt column, a type that is no tensor) fails empty or not
      if (df.isEmpty()) {
        return sumOf(params, List.of());
      }
      throw e;
    }
    // read only the input columns (and the key), each at its position in that selection
    StructField[] fields = df.schema().fields();
    List<Column> selection = new ArrayList<>();
    InputColumn[] inputs = new InputColumn[resolved.length];
    for (int c = 0; c < inputs.length; c++) {
      selection.add(column(fields[resolved[c].ordinal].name()));
      inputs[c] = resolved[c].at(c);
    }
    String keyName = udf.planner().keyColumn();
    int keyOrdinal = -1;
    DataType keyType = null;
    if (keyName != null) {
      StructField keyField = fields[df.schema().fieldIndex(keyName)];
      keyOrdinal = selection.size();
      keyType = keyField.dataType();
      selection.add(column(keyField.name()));
    }
    Dataset<Row> selected = df.select(selection.toArray(new Column[0]));
    ExampleBatchReader reader =
        new ExampleBatchReader(
            "PerSampleGradients.clippedGradientSum",
            inputs,
            udf.planner().rejectsNonFinite(),
            udf.planner().arrowBatches(),
            keyName,
            keyOrdinal,
            keyType);
    Broadcast<ShippedTree> shipped =
        JavaSparkContext.fromSparkContext(df.sparkSession().sparkContext())
            .broadcast(ShippedTree.of(params));
    String key = java.util.UUID.randomUUID().toString();
    FlatMapFunction<Iterator<InternalRow>, Partial> perPartition =
        rows -> List.of(partition(rows, loss, key, shipped, reader, maxNorm, batchSize)).iterator();
    List<Partial> partials;
    try {
      partials = internalRows(selected).mapPartitions(perPartition).collect();
    } catch (Exception e) { // Scala throws the checked SparkException undeclared
      throw badInputIn(e);
    }

    return sumOf(params, partials);
  }

  /** The partitions' sums added in partition order, as {@code {sum pytree, row count}}. */
  private static Object[] sumOf(Object params, List<Partial> partials) {
    List<Tensor> leaves = Tree.leaves(params);
    double[][] total = new double[leaves.size()][];
    for (int i = 0; i < total.length; i++) {
      total[i] = new double[leaves.get(i).size()];
    }
    long rows = 0;
    for (Partial p : partials) {
      for (int i = 0; i < total.length; i++) {
        for (int j = 0; j < total[i].length; j++) {
          total[i][j] += p.sums()[i][j];
        }
      }
      rows += p.rows();
    }
    List<Tensor> sums = new ArrayList<>();
    for (int i = 0; i < total.length; i++) {
      Tensor leaf = leaves.get(i);
      // Tensor.of with an empty shape gives shape [1]: a scalar leaf is reshaped to []
      Tensor sum = Tensor.of(total[i], total[i].length).reshape(leaf.shape());
      sums.add(sum.astype(leaf.dtype()));
    }
    return new Object[] {Tree.structure(params).unflatten(sums), rows};
  }

  private static Column column(String name) {
    return functions.col("`" + name.replace("`", "``") + "`");
  }

  /** The rows of a classic Dataset as Spark holds them, without converting them to {@link Row}s. */
  private static JavaRDD<InternalRow> internalRows(Dataset<Row> df) {
    if (!(df instanceof org.apache.spark.sql.classic.Dataset<Row> classic)) {
      throw new UnsupportedOperationException(
          "PerSampleGradients.clippedGradientSum runs inside Spark's JVM (Spark classic); this"
              + " Dataset is a "
              + df.getClass().getName()
              + " (Spark Connect?)");
    }
    return classic.queryExecution().toRdd().toJavaRDD();
  }

  /**
   * A failed job's {@link BadInputException} (a row that is not an example), to be thrown on the
   * driver as itself rather than inside Spark's job failure; any other failure as it came.
   */
  private static RuntimeException badInputIn(Exception failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof BadInputException bad) {
        return bad;
      }
    }
    return DataFrameClippedSum.<RuntimeException>rethrow(failure);
  }

  @SuppressWarnings("unchecked")
  private static <T extends Throwable> RuntimeException rethrow(Throwable t) throws T {
    throw (T) t;
  }

  private static Partial partition(
      Iterator<InternalRow> rows,
      SerializableBiFunction<Object, Object, Tensor> loss,
      String key,
      Broadcast<ShippedTree> shipped,
      ExampleBatchReader reader,
      double maxNorm,
      int batchSize) {
    if (PREPARED.size() >= MAX_PREPARED) {
      PREPARED.clear();
    }
    Prepared prepared =
        PREPARED.computeIfAbsent(
            key, k -> new Prepared(shipped.value().toPytree(), PerSampleGrads.of(loss::apply)));
    Object params = prepared.params();
    PerSampleGrads<Object, Object> grads = prepared.grads();
    List<Tensor> leaves = Tree.leaves(params);
    double[][] sums = new double[leaves.size()][];
    for (int i = 0; i < sums.length; i++) {
      sums[i] = new double[leaves.get(i).size()];
    }
    int partition = TaskContext.get() == null ? 0 : TaskContext.getPartitionId();
    long count = 0;
    try (ExampleBatchReader.Batches batch = reader.open(batchSize)) {
      while (rows.hasNext()) {
        batch.add(rows.next(), partition, count + batch.size());
        if (batch.isFull() || !rows.hasNext()) {
          int n = batch.size();
          // in the batch's buffers (Arrow vectors by default): used up before the next add
          Object examples = batch.examples();
          // each Spark task owns one core: the kernels do not split work over threads here
          Object sum =
              ArgumentListCalls.withThreads(1, () -> grads.clippedSum(params, examples, maxNorm));
          List<Tensor> parts = Tree.leaves(sum);
          for (int i = 0; i < sums.length; i++) {
            double[] v = parts.get(i).toDoubleArray();
            for (int j = 0; j < v.length; j++) {
              sums[i][j] += v[j];
            }
          }
          count += n;
        }
      }
    }
    return new Partial(sums, count);
  }
}
