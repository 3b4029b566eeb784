package org.vmap4j.spark.dp;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.vmap4j.spark.PerSampleGradients;

/**
 * One step's Spark work: the Poisson sample, each sampled row's clipped gradient ({@link
 * PerSampleGradients} with {@code flat().clipNorm(C)}), and their sum with the row count.
 *
 * <p>Aggregation: each partition sums its rows into one {@code double[D + 1]} (the count last) on
 * its executor; the driver collects these partials and adds them <em>in partition order</em>.
 * Neither {@code treeAggregate} nor an SQL sum of the array columns is used: both combine partial
 * results in the order tasks finish, so floating-point rounding, and with it the trained
 * parameters, would differ from run to run; summing in partition order makes a rerun, a retried
 * task and a resumed run bit-identical. The cost is that the driver receives one {@code D}-vector
 * per partition (fine for the models here; for very large {@code D × partitions}, coalesce first).
 * An SQL sum would also need the array exploded (a shuffle of {@code D} rows per example).
 */
final class ClippedGradientSum {
  private final PerSampleGradients gradients;
  private final int dimension;

  ClippedGradientSum(PerSampleGradients gradients, int dimension) {
    this.gradients = gradients;
    this.dimension = dimension;
  }

  /** The sampled rows of a step: {@code sample(false, q, seed)}, keeping each row with prob. q. */
  static Dataset<Row> sample(Dataset<Row> data, double sampleRate, long seed) {
    return sampleRate == 1.0 ? data : data.sample(false, sampleRate, seed);
  }

  /** Sum of the sampled rows' clipped gradients, with the number of rows as the last element. */
  double[] sumWithCount(Dataset<Row> sampled) {
    String column = gradients.gradientColumns().get(0);
    Dataset<Row> grads = gradients.transform(sampled).select(column);
    int d = dimension;
    FlatMapFunction<Iterator<Row>, double[]> partitionSum = rows -> sumPartition(rows, d);
    List<double[]> partials = grads.javaRDD().mapPartitions(partitionSum).collect();
    double[] total = new double[d + 1];
    for (double[] p : partials) {
      for (int i = 0; i <= d; i++) {
        total[i] += p[i];
      }
    }
    return total;
  }

  private static Iterator<double[]> sumPartition(Iterator<Row> rows, int d) {
    double[] sum = new double[d + 1];
    while (rows.hasNext()) {
      List<Object> g = rows.next().getList(0);
      if (g.size() != d) {
        throw new IllegalStateException(
            "DpSgd: a per-sample gradient has " + g.size() + " elements, parameters have " + d);
      }
      for (int i = 0; i < d; i++) {
        sum[i] += ((Number) g.get(i)).doubleValue();
      }
      sum[d] += 1;
    }
    List<double[]> one = new ArrayList<>(1);
    one.add(sum);
    return one.iterator();
  }
}
