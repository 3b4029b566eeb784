package org.vmap4j.spark.dp;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.vmap4j.DType;
import org.vmap4j.Func;
import org.vmap4j.InDims;
import org.vmap4j.Tensor;
import org.vmap4j.cpu.Parallelism;
import org.vmap4j.spark.PerSampleGradients;
import org.vmap4j.spark.SerializableBiFunction;
import org.vmap4j.spark.ShippedTree;

/**
 * The cost of one DP-SGD step against one non-private step of the same trainer, on {@code
 * local[2]}: 1M cached rows, the MLP of ../shared/peers (D=128, H=256, O=10, relu, softmax
 * cross-entropy, 35,594 F32 parameters), {@code q} giving an expected batch of 4096.
 *
 * <ul>
 *   <li><b>dp</b>: what {@link DpSgd} does per step: the Poisson sample, the sampled rows' clipped
 *       gradient sum ({@link ClippedGradientSum}: {@code PerSampleGradients.clippedGradientSum},
 *       core's compiled clipped sum per batch, partition sums added in partition order), {@code
 *       SecureRandom} noise, division by {@code q·N}, a momentum update;
 *   <li><b>plain</b>: the same sample, each partition summing the gradient of its batches' summed
 *       loss ({@code jit(grad(Σ_b loss))}, the fused non-private route: no per-sample gradient),
 *       partition sums added in partition order, division and update, no noise;
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

  /** Rows per compiled batch on an executor, for both dp and plain. */
  static final int BATCH = 1024;

  /** What {@link DpSgd} builds for a step (its {@code gradients} method). */
  static PerSampleGradients gradients(Mlp p) {
    SerializableBiFunction<Mlp, Map<String, Tensor>, Tensor> l = DpSgdStepBenchmark::loss;
    return PerSampleGradients.of(l, p)
        .inputColumns("x", "y")
        .clipNorm(1.0)
        .configure(u -> u.batchSize(BATCH));
  }

  /**
   * {@code jit(grad(p -> Σ_b loss(p, x_b)))}, compiled once per JVM (the non-private route needs no
   * per-sample gradient at all).
   */
  private static BiFunction<Mlp, Map<String, Tensor>, Mlp> summedGradient;

  private static synchronized BiFunction<Mlp, Map<String, Tensor>, Mlp> summedGradient() {
    if (summedGradient == null) {
      BiFunction<Mlp, Map<String, Tensor>, Tensor> perRow =
          Func.vmap(DpSgdStepBenchmark::loss, InDims.of(null, 0));
      BiFunction<Mlp, Map<String, Tensor>, Tensor> summed = (p, b) -> perRow.apply(p, b).sum();
      summedGradient = Func.jit(Func.grad(summed));
    }
    return summedGradient;
  }

  /** The plain step's Spark work: the sample's gradient sum, with the row count last. */
  static double[] plainSumWithCount(Dataset<Row> sample, Mlp p, FlatParameters layout) {
    ShippedTree shipped = ShippedTree.of(p);
    int d = layout.size();
    FlatMapFunction<Iterator<Row>, double[]> perPartition =
        it -> {
          Mlp params = (Mlp) shipped.toPytree();
          FlatParameters local = new FlatParameters(params);
          double[] sum = new double[d + 1];
          List<Row> batch = new ArrayList<>(BATCH);
          while (it.hasNext()) {
            batch.add(it.next());
            if (batch.size() == BATCH || !it.hasNext()) {
              Map<String, Tensor> b = Map.of("x", column(batch, 0, D), "y", column(batch, 1, O));
              Mlp g = Parallelism.withThreads(1, () -> summedGradient().apply(params, b));
              double[] flat = local.flatten(g);
              for (int i = 0; i < d; i++) {
                sum[i] += flat[i];
              }
              sum[d] += batch.size();
              batch.clear();
            }
          }
          List<double[]> one = new ArrayList<>(1);
          one.add(sum);
          return one.iterator();
        };
    double[] total = new double[d + 1];
    for (double[] v : sample.select("x", "y").javaRDD().mapPartitions(perPartition).collect()) {
      for (int i = 0; i <= d; i++) {
        total[i] += v[i];
      }
    }
    return total;
  }

  /** A batch of random examples, in this JVM. */
  static Map<String, Tensor> localBatch(int rows) {
    return Map.of(
        "x",
        Tensor.randomNormal(5, DType.F32, rows, D),
        "y",
        Tensor.randomNormal(6, DType.F32, rows, O).softmax(1));
  }

  /**
   * The first call of a fresh {@code PerSampleGrads.clippedSum} (trace, compile, run) minus a
   * second call (run): what each step pays on each executor JVM for compiling anew.
   */
  static double compileSeconds(Mlp p, Map<String, Tensor> batch) {
    org.vmap4j.PerSampleGrads<Mlp, Map<String, Tensor>> fresh =
        org.vmap4j.PerSampleGrads.of(DpSgdStepBenchmark::loss);
    long start = System.nanoTime();
    Parallelism.withThreads(1, () -> fresh.clippedSum(p, batch, 1.0));
    double first = seconds(start);
    start = System.nanoTime();
    Parallelism.withThreads(1, () -> fresh.clippedSum(p, batch, 1.0));
    return first - seconds(start);
  }

  /** {@code [rows, width]} F32 from an array column. */
  private static Tensor column(List<Row> rows, int c, int width) {
    float[] v = new float[rows.size() * width];
    for (int r = 0; r < rows.size(); r++) {
      List<Object> a = rows.get(r).getList(c);
      for (int j = 0; j < width; j++) {
        v[r * width + j] = ((Number) a.get(j)).floatValue();
      }
    }
    return Tensor.of(v, rows.size(), width);
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
      ClippedGradientSum clipped = new ClippedGradientSum(gradients(p), layout);
      String[] names = {
        "dp", "plain", "sample", "transport", "driver", "compile", "core-dp", "core-plain"
      };
      org.vmap4j.PerSampleGrads<Mlp, Map<String, Tensor>> core =
          org.vmap4j.PerSampleGrads.of(DpSgdStepBenchmark::loss);
      Map<String, Tensor> oneBatch = localBatch(BATCH);
      double[][] t = new double[names.length][repeats];
      long[] sampled = new long[repeats];
      for (int r = -2; r < repeats; r++) { // two warm-up rounds
        long seed = StepSeeds.forStep(42, r + 2);
        Dataset<Row> sample = ClippedGradientSum.sample(df, q, seed);
        double[] times = new double[names.length];
        double[] g = null;
        double[] h = null;
        // dp first in even rounds, plain first in odd ones: neither gains from going second
        for (int k = 0; k < 2; k++) {
          long start = System.nanoTime();
          if ((k == 0) == (r % 2 == 0)) {
            g = clipped.sumWithCount(sample);
            double[] step = Arrays.copyOf(g, d);
            noise.addTo(step, 1.0, r);
            divideAndUpdate(step, q * rows, sgd, theta, r);
            times[0] = seconds(start);
          } else {
            h = plainSumWithCount(sample, p, layout);
            divideAndUpdate(Arrays.copyOf(h, d), q * rows, sgd, theta, r);
            times[1] = seconds(start);
          }
        }
        long start = System.nanoTime();
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
        times[5] = compileSeconds(p, oneBatch);
        // the same compute without Spark: 4 batches (an expected step) on one thread, this JVM
        start = System.nanoTime();
        for (int b = 0; b < 4; b++) {
          Parallelism.withThreads(1, () -> core.clippedSum(p, oneBatch, 1.0));
        }
        times[6] = seconds(start);
        start = System.nanoTime();
        for (int b = 0; b < 4; b++) {
          Parallelism.withThreads(1, () -> summedGradient().apply(p, oneBatch));
        }
        times[7] = seconds(start);
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
              + " (transport + driver sum) %.3f s, clipped sums (compiled) %.3f s, driver"
              + " noise+update %.4f s%n",
          med[0] / med[1], med[2], med[3] - med[2], med[0] - med[3] - med[4], med[4]);
      System.out.printf(
          "of the clipped sums: tracing and compiling core's clippedSum anew, which a trainer"
              + " step does once per executor JVM, %.3f s (the compile row)%n",
          med[5]);
      System.out.printf(
          "without Spark, 4 batches of %d on one thread: core clippedSum / jit(grad(summed loss))"
              + " %.2fx%n",
          BATCH, med[6] / med[7]);
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
