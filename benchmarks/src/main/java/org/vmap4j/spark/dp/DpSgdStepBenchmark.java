package org.vmap4j.spark.dp;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.vmap4j.DType;
import org.vmap4j.Tensor;
import org.vmap4j.spark.PerSampleGradients;
import org.vmap4j.spark.SerializableBiFunction;

/**
 * The cost of one DP-SGD step against one non-private step of the same trainer, on {@code
 * local[2]}: 1M cached rows, the MLP of ../shared/peers (D=128, H=256, O=10, relu, softmax
 * cross-entropy, 35,594 F32 parameters), {@code q} giving an expected batch of 4096.
 *
 * <ul>
 *   <li><b>dp</b>: what {@link DpSgd} does per step: the Poisson sample, every sampled row's
 *       gradient clipped ({@code PerSampleGradients.flat().clipNorm(C)}), partition sums added in
 *       partition order ({@link ClippedGradientSum}), {@code SecureRandom} noise, division by
 *       {@code q·N}, a momentum update;
 *   <li><b>plain</b>: the same sample and sum with no clipping and no noise;
 *   <li><b>sample</b>: the same sample, each partition returning only its row count (Spark
 *       scheduling, the scan of the cached rows, the sampling);
 *   <li><b>transport</b>: as sample, each partition returning a zero {@code double[D + 1]} which
 *       the driver adds (the aggregation's transport and driver-side sum);
 *   <li><b>driver</b>: noise, division and update alone, in this JVM.
 * </ul>
 *
 * Gradient compute is {@code dp - transport - driver}. It lives in the connector's package (in the
 * benchmarks module, on the classpath) to time the trainer's own package-private step parts. A main
 * program, not JMH (each measurement is a Spark job of a second or so); ratios come from one run,
 * steps interleaved so that load drifts hit both alike. Run: see docs/performance.md.
 */
public final class DpSgdStepBenchmark {
  private DpSgdStepBenchmark() {}

  static final int D = 128;
  static final int H = 256;
  static final int O = 10;

  record Mlp(Tensor w1, Tensor b1, Tensor w2, Tensor b2) {}

  static Mlp mlp() {
    return new Mlp(
        Tensor.randomNormal(1, DType.F32, H, D).div(Math.sqrt(D)),
        Tensor.randomNormal(2, DType.F32, H).mul(0.1),
        Tensor.randomNormal(3, DType.F32, O, H).div(Math.sqrt(H)),
        Tensor.randomNormal(4, DType.F32, O).mul(0.1));
  }

  /** Cross-entropy of one example (x [128], one-hot y [10]), as PeerWorkloads.mlpLoss. */
  static Tensor loss(Mlp p, Map<String, Tensor> e) {
    Tensor h = p.w1().matmul(e.get("x")).add(p.b1()).relu();
    Tensor logits = p.w2().matmul(h).add(p.b2());
    return logits.logSumExp(0).sub(logits.mul(e.get("y")).sum());
  }

  static Dataset<Row> data(SparkSession spark, long rows) {
    return spark
        .range(0, rows, 1, 2)
        .selectExpr(
            "transform(sequence(0, "
                + (D - 1)
                + "), i -> cast(hash(id, i) / 2147483648.0 as float)) as x",
            "transform(sequence(0, "
                + (O - 1)
                + "), k -> cast(k = abs(hash(id)) % "
                + O
                + " as float)) as y");
  }

  static PerSampleGradients gradients(Mlp p, boolean clip) {
    SerializableBiFunction<Mlp, Map<String, Tensor>, Tensor> l = DpSgdStepBenchmark::loss;
    PerSampleGradients g =
        PerSampleGradients.of(l, p)
            .inputColumns("x", "y")
            .flat()
            // batches of 512 rows: a [512, 35594] F64 gradient block is 146 MB per task
            .configure(u -> u.shape("x", D).shape("y", O).batchSize(512));
    return clip ? g.clipNorm(1.0) : g;
  }

  public static void main(String[] args) {
    long rows = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000;
    int repeats = args.length > 1 ? Integer.parseInt(args[1]) : 7;
    double q = 4096.0 / rows;
    SparkSession spark =
        SparkSession.builder()
            .master("local[2]")
            .appName("DpSgdStepBenchmark")
            .config("spark.ui.enabled", "false")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
            .config("spark.kryo.registrator", "org.vmap4j.spark.VmapKryoRegistrator")
            .getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    try {
      Dataset<Row> df = data(spark, rows).cache();
      System.out.printf("cached %d rows%n", df.count());
      Mlp p = mlp();
      FlatParameters layout = new FlatParameters(p);
      int d = layout.size();
      double[] theta = layout.flatten(p);
      GaussianNoise noise = GaussianNoise.secure();
      MomentumSgd sgd = new MomentumSgd(0.1, 0.9, new double[d]);
      ClippedGradientSum clipped = new ClippedGradientSum(gradients(p, true), d);
      ClippedGradientSum plain = new ClippedGradientSum(gradients(p, false), d);
      String[] names = {"dp", "plain", "sample", "transport", "driver"};
      double[][] t = new double[names.length][repeats];
      long[] sampled = new long[repeats];
      for (int r = -2; r < repeats; r++) { // two warm-up rounds
        long seed = StepSeeds.forStep(42, r + 2);
        Dataset<Row> sample = ClippedGradientSum.sample(df, q, seed);
        double[] times = new double[names.length];
        long start = System.nanoTime();
        double[] g = clipped.sumWithCount(sample);
        double[] step = Arrays.copyOf(g, d);
        noise.addTo(step, 1.0, r);
        divideAndUpdate(step, q * rows, sgd, theta, r);
        times[0] = seconds(start);
        start = System.nanoTime();
        double[] h = plain.sumWithCount(sample);
        divideAndUpdate(Arrays.copyOf(h, d), q * rows, sgd, theta, r);
        times[1] = seconds(start);
        start = System.nanoTime();
        long n = countPerPartition(sample);
        times[2] = seconds(start);
        start = System.nanoTime();
        zeroVectors(sample, d);
        times[3] = seconds(start);
        start = System.nanoTime();
        double[] z = new double[d];
        noise.addTo(z, 1.0, r);
        divideAndUpdate(z, q * rows, sgd, theta, r);
        times[4] = seconds(start);
        if (g[d] != n || h[d] != n) {
          throw new IllegalStateException("row counts differ: " + g[d] + ", " + h[d] + ", " + n);
        }
        if (r >= 0) {
          for (int i = 0; i < names.length; i++) {
            t[i][r] = times[i];
          }
          sampled[r] = n;
        }
      }
      System.out.printf(
          "rows %d, q %.6f, sampled rows per step %s, parameters %d%n",
          rows, q, Arrays.toString(sampled), d);
      double[] med = new double[names.length];
      for (int i = 0; i < names.length; i++) {
        med[i] = median(t[i]);
        System.out.printf(
            "%-9s median %.3f s  runs %s%n", names[i], med[i], Arrays.toString(round(t[i])));
      }
      System.out.printf(
          "dp / plain %.2fx; breakdown of dp: scheduling+scan+sample %.3f s, aggregation"
              + " (transport + driver sum) %.3f s, per-sample gradients+clipping %.3f s, driver"
              + " noise+update %.4f s%n",
          med[0] / med[1], med[2], med[3] - med[2], med[0] - med[3] - med[4], med[4]);
    } finally {
      spark.stop();
    }
  }

  private static void divideAndUpdate(
      double[] g, double expectedBatch, MomentumSgd sgd, double[] theta, long r) {
    for (int i = 0; i < g.length; i++) {
      g[i] /= expectedBatch;
    }
    sgd.update(theta, g, r + 3);
  }

  private static long countPerPartition(Dataset<Row> sample) {
    FlatMapFunction<Iterator<Row>, Long> count =
        it -> {
          long c = 0;
          while (it.hasNext()) {
            it.next();
            c++;
          }
          return List.of(c).iterator();
        };
    long n = 0;
    for (long c : sample.javaRDD().mapPartitions(count).collect()) {
      n += c;
    }
    return n;
  }

  private static void zeroVectors(Dataset<Row> sample, int d) {
    FlatMapFunction<Iterator<Row>, double[]> vector =
        it -> {
          double[] v = new double[d + 1];
          while (it.hasNext()) {
            it.next();
            v[d] += 1;
          }
          List<double[]> one = new ArrayList<>(1);
          one.add(v);
          return one.iterator();
        };
    double[] total = new double[d + 1];
    for (double[] v : sample.javaRDD().mapPartitions(vector).collect()) {
      for (int i = 0; i <= d; i++) {
        total[i] += v[i];
      }
    }
  }

  private static double seconds(long start) {
    return (System.nanoTime() - start) / 1e9;
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }

  private static String[] round(double[] v) {
    String[] s = new String[v.length];
    for (int i = 0; i < v.length; i++) {
      s[i] = String.format("%.3f", v[i]);
    }
    return s;
  }
}
