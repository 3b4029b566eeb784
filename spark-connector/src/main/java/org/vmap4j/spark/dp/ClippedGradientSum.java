package org.vmap4j.spark.dp;

import java.util.Arrays;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.vmap4j.spark.PerSampleGradients;

/**
 * One step's Spark work: the Poisson sample, and the sum of its rows' gradients each clipped to
 * norm at most {@code C}, with the row count, through {@link PerSampleGradients#clippedGradientSum}
 * (core's compiled clipped sum per batch: for a linear layer the compiler's ghost clipping forms no
 * row's gradient).
 *
 * <p>Aggregation: each partition sums its batches into one partial on its executor; the driver
 * collects the partials and adds them <em>in partition order</em>. Neither {@code treeAggregate}
 * nor an SQL sum of array columns is used: both combine partial results in the order tasks finish,
 * so floating-point rounding, and with it the trained parameters, would differ from run to run;
 * summing in partition order makes a rerun, a retried task and a resumed run bit-identical. The
 * cost is that the driver receives one parameter-sized partial per partition (fine for the models
 * here; for very large {@code D × partitions}, coalesce first).
 */
final class ClippedGradientSum {
  private final PerSampleGradients gradients;
  private final FlatParameters layout;

  /** {@code gradients} with its clip bound set; {@code layout} flattens the sum. */
  ClippedGradientSum(PerSampleGradients gradients, FlatParameters layout) {
    this.gradients = gradients;
    this.layout = layout;
  }

  /** The sampled rows of a step: {@code sample(false, q, seed)}, keeping each row with prob. q. */
  static Dataset<Row> sample(Dataset<Row> data, double sampleRate, long seed) {
    return sampleRate == 1.0 ? data : data.sample(false, sampleRate, seed);
  }

  /**
   * Sum of the sampled rows' clipped gradients, flat, with the number of rows as the last element.
   */
  double[] sumWithCount(Dataset<Row> sampled) {
    PerSampleGradients.ClippedSum<Object> s = gradients.clippedGradientSum(sampled);
    double[] flat = layout.flatten(s.sum());
    double[] out = Arrays.copyOf(flat, flat.length + 1);
    out[flat.length] = s.rows();
    return out;
  }
}
