package org.vmap4j.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.vmap4j.PerSampleGrads;
import org.vmap4j.Tensor;
import org.vmap4j.Tree;
import org.vmap4j.backend.ArgumentListCalls;
import org.vmap4j.spark.executor.RowBatch;

/**
 * The clipped per-row gradient sum of a whole DataFrame ({@link
 * PerSampleGradients#clippedGradientSum}): each partition cuts its rows into batches, runs core's
 * compiled {@link PerSampleGrads#clippedSum} on each (the compiler's ghost clipping: no per-row
 * gradient is formed for a linear layer) and adds the batch sums in {@code double}; the driver adds
 * the partitions' sums in partition order, so a rerun gives bit-identical sums (tasks finishing in
 * another order change nothing).
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

  static Object[] run(
      SerializableBiFunction<Object, Object, Tensor> loss,
      Object params,
      List<String> columns,
      double maxNorm,
      int batchSize,
      Dataset<Row> df) {
    RowBatch reader = RowBatch.of("PerSampleGradients.clippedGradientSum", df.schema(), columns);
    Column[] selected = columns.stream().map(functions::col).toArray(Column[]::new);
    Broadcast<ShippedTree> shipped =
        JavaSparkContext.fromSparkContext(df.sparkSession().sparkContext())
            .broadcast(ShippedTree.of(params));
    String key = java.util.UUID.randomUUID().toString();
    FlatMapFunction<Iterator<Row>, Partial> perPartition =
        rows -> List.of(partition(rows, loss, key, shipped, reader, maxNorm, batchSize)).iterator();
    List<Partial> partials = df.select(selected).javaRDD().mapPartitions(perPartition).collect();

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

  private static Partial partition(
      Iterator<Row> rows,
      SerializableBiFunction<Object, Object, Tensor> loss,
      String key,
      Broadcast<ShippedTree> shipped,
      RowBatch reader,
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
    String where = "partition " + (TaskContext.get() == null ? 0 : TaskContext.getPartitionId());
    long count = 0;
    List<Row> batch = new ArrayList<>(batchSize);
    while (rows.hasNext()) {
      batch.add(rows.next());
      if (batch.size() == batchSize || !rows.hasNext()) {
        Object examples = reader.read(batch, where);
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
        count += batch.size();
        batch.clear();
      }
    }
    return new Partial(sums, count);
  }
}
