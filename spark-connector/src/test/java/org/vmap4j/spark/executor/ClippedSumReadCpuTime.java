package org.vmap4j.spark.executor;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.catalyst.expressions.UnsafeProjection;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.vmap4j.DType;
import org.vmap4j.PerSampleGrads;
import org.vmap4j.Tensor;
import org.vmap4j.backend.ArgumentListCalls;

/**
 * What the DataFrame clipped sum's executors do per batch, without Spark's scheduling or scan: read
 * 1024 {@code UnsafeRow}s ({@code x}: 128 floats, {@code y}: 10 floats, the rows of
 * DpSgdStepBenchmark) into a batch by {@link ExampleBatchReader}, through Arrow vectors (the
 * default) or straight into Java arrays ({@code arrowBatches(false)}, the same algorithm as the
 * reader before it shared the udf's buffers: a fresh array per batch), and, for scale, core's
 * compiled clipped sum of DpSgdStepBenchmark's MLP on that batch. Thread CPU time (the machine is
 * shared: wall time means nothing there), the two ways alternated within each round, 4 batches (a
 * DP-SGD step of 4096 rows) per measurement. A main program, not a test; run: see
 * docs/performance.md.
 */
public final class ClippedSumReadCpuTime {
  private ClippedSumReadCpuTime() {}

  static final int D = 128;
  static final int O = 10;
  static final int BATCH = 1024;
  static final int BATCHES = 4;

  record Mlp(Tensor w1, Tensor b1, Tensor w2, Tensor b2) {}

  static Tensor loss(Mlp p, Map<String, Tensor> e) {
    Tensor h = p.w1().matmul(e.get("x")).add(p.b1()).relu();
    Tensor logits = p.w2().matmul(h).add(p.b2());
    return logits.logSumExp(0).sub(logits.mul(e.get("y")).sum());
  }

  static List<InternalRow> rows(int n) {
    StructType schema =
        new StructType()
            .add("x", DataTypes.createArrayType(DataTypes.FloatType))
            .add("y", DataTypes.createArrayType(DataTypes.FloatType));
    UnsafeProjection toUnsafe = UnsafeProjection.create(schema);
    float[] xs = Tensor.randomNormal(5, DType.F32, n, D).toFloatArray();
    List<InternalRow> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      float[] x = Arrays.copyOfRange(xs, i * D, (i + 1) * D);
      float[] y = new float[O];
      y[i % O] = 1;
      GenericInternalRow r =
          new GenericInternalRow(
              new Object[] {
                UnsafeArrayData.fromPrimitiveArray(x), UnsafeArrayData.fromPrimitiveArray(y)
              });
      out.add(toUnsafe.apply(r).copy());
    }
    return out;
  }

  static ExampleBatchReader reader(boolean arrow) {
    InputColumn[] inputs = {
      new InputColumn("x", 0, InputColumn.Kind.ARRAY, InputColumn.Source.FLOAT, new int[] {D}),
      new InputColumn("y", 1, InputColumn.Kind.ARRAY, InputColumn.Source.FLOAT, new int[] {O})
    };
    return new ExampleBatchReader("ClippedSumReadCpuTime", inputs, false, arrow, null, -1, null);
  }

  /** Reads the rows in batches (and with {@code sum}, runs the clipped sum); returns a checksum. */
  @SuppressWarnings("unchecked")
  static double pass(
      ExampleBatchReader reader,
      List<InternalRow> rows,
      PerSampleGrads<Mlp, Map<String, Tensor>> grads,
      Mlp p) {
    double check = 0;
    try (ExampleBatchReader.Batches batch = reader.open(BATCH)) {
      for (int i = 0; i < rows.size(); i++) {
        batch.add(rows.get(i), 0, i);
        if (batch.isFull() || i == rows.size() - 1) {
          Map<String, Tensor> examples = (Map<String, Tensor>) batch.examples();
          if (grads == null) {
            check += examples.get("x").toFloatArray()[D * (BATCH - 1)];
          } else {
            Mlp s = ArgumentListCalls.withThreads(1, () -> grads.clippedSum(p, examples, 1.0));
            check += s.b2().toDoubleArray()[0];
          }
        }
      }
    }
    return check;
  }

  public static void main(String[] args) {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
    int reps = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
    List<InternalRow> rows = rows(BATCH * BATCHES);
    Mlp p =
        new Mlp(
            Tensor.randomNormal(1, DType.F32, 256, D).div(Math.sqrt(D)),
            Tensor.randomNormal(2, DType.F32, 256).mul(0.1),
            Tensor.randomNormal(3, DType.F32, O, 256).div(Math.sqrt(256)),
            Tensor.randomNormal(4, DType.F32, O).mul(0.1));
    PerSampleGrads<Mlp, Map<String, Tensor>> grads = PerSampleGrads.of(ClippedSumReadCpuTime::loss);
    ExampleBatchReader[] ways = {reader(true), reader(false)};
    String[] names = {"read, Arrow batches", "read, direct batches"};
    // the two ways read the same values: the same checksums
    for (int w = 0; w < 2; w++) {
      System.out.printf(
          "%s: checksum read %.6f, clipped sum %.9f%n",
          names[w], pass(ways[w], rows, null, p), pass(ways[w], rows, grads, p));
    }
    double[][] read = new double[2][rounds];
    double[][] step = new double[2][rounds];
    for (int r = -3; r < rounds; r++) { // three warm-up rounds
      for (int k = 0; k < 2; k++) {
        int w = (r + k) % 2 == 0 ? 0 : 1; // alternate which way goes first
        long t0 = cpu.getCurrentThreadCpuTime();
        for (int i = 0; i < reps; i++) {
          pass(ways[w], rows, null, p);
        }
        long t1 = cpu.getCurrentThreadCpuTime();
        pass(ways[w], rows, grads, p);
        long t2 = cpu.getCurrentThreadCpuTime();
        if (r >= 0) {
          read[w][r] = (t1 - t0) / 1e6 / reps;
          step[w][r] = (t2 - t1) / 1e6;
        }
      }
    }
    for (int w = 0; w < 2; w++) {
      System.out.printf(
          "%-21s 4 batches of %d: read median %.3f ms best %.3f ms; read + clipped sum median %.2f"
              + " ms best %.2f ms%n",
          names[w], BATCH, median(read[w]), min(read[w]), median(step[w]), min(step[w]));
    }
    System.out.printf(
        "Arrow / direct: read %.2fx (best %.2fx); read + clipped sum %.3fx%n",
        median(read[0]) / median(read[1]),
        min(read[0]) / min(read[1]),
        median(step[0]) / median(step[1]));
  }

  static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }

  static double min(double[] v) {
    return Arrays.stream(v).min().orElse(Double.NaN);
  }
}
