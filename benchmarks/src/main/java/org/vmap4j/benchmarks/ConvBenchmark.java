package org.vmap4j.benchmarks;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.vmap4j.DType;
import org.vmap4j.Tensor;
import org.vmap4j.TensorType;
import org.vmap4j.cpu.Convolution;
import org.vmap4j.cpu.CpuTensor;
import org.vmap4j.interpreter.Interpreters;
import org.vmap4j.interpreter.Params;
import org.vmap4j.prim.ConvGeneralDilated;

/**
 * {@code conv2d} forward, one thread: input {@code [64, 32, 32, 32]}, 32 filters of 3x3, padding 1
 * (output {@code [64, 32, 32, 32]}, 1.21 GFLOP). {@code im2col} (F32) and {@code im2colF64}: the
 * primitive's eager CPU path, under their first names (F64 unrolls into the GEMM; F32 takes the
 * direct kernel, {@code Convolution.Layout.DIRECT}, since 2026-12-06); {@code direct}: a plain
 * direct loop over the same data, written here as the baseline (the innermost loop runs along
 * output columns, so that HotSpot vectorizes it). PyTorch's figures for the same call come from
 * {@code benchmarks/python/conv2d_torch_bench.py}, run in the same sitting.
 *
 * <p>{@code filterGradient*}: the convolution that the per-sample filter gradient of
 * ModelsPerSampleGradBenchmark's first CNN layer runs (lhs {@code [3, 256, 32, 32]}, 256 feature
 * groups of 4 filters {@code [1024, 1, 32, 32]}, padding 1, result {@code [3, 1024, 3, 3]}: a
 * whole-image window over 9 positions), once in each of the kernel's layouts for it ({@link
 * Convolution.Layout}: patches, columns, window dots), to choose between them by measurement.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar ConvBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xmx3g", "--add-modules=jdk.incubator.vector", "-Dvmap4j.threads=1"})
public class ConvBenchmark {
  static final int N = 64;
  static final int C = 32;
  static final int O = 32;
  static final int S = 32;
  static final int K = 3;
  static final Params SAME =
      ConvGeneralDilated.params(
          new int[] {1, 1},
          new int[] {1, 1},
          new int[] {1, 1},
          new int[] {1, 1},
          new int[] {1, 1},
          1,
          1);

  static final int EXAMPLES = 256;
  static final Params FILTER_GRADIENT =
      ConvGeneralDilated.params(
          new int[] {1, 1},
          new int[] {1, 1},
          new int[] {1, 1},
          new int[] {1, 1},
          new int[] {1, 1},
          EXAMPLES,
          1);
  static final Convolution.Geometry FILTER_GRADIENT_GEOMETRY =
      new Convolution.Geometry(
          new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, EXAMPLES, 1);

  Tensor x;
  Tensor w;
  Tensor x64;
  Tensor w64;
  float[] xArray;
  float[] wArray;
  CpuTensor images;
  CpuTensor cotangents;
  TensorType filterGradientType;

  @Setup
  public void setUp() {
    x = Tensor.randomNormal(1, DType.F32, N, C, S, S);
    w = Tensor.randomNormal(2, DType.F32, O, C, K, K);
    x64 = x.astype(DType.F64);
    w64 = w.astype(DType.F64);
    xArray = x.toFloatArray();
    wArray = w.toFloatArray();
    images = (CpuTensor) Tensor.randomNormal(3, DType.F32, 3, EXAMPLES, S, S);
    cotangents = (CpuTensor) Tensor.randomNormal(4, DType.F32, EXAMPLES * 4, 1, S, S);
    filterGradientType =
        ConvGeneralDilated.CONV_GENERAL_DILATED.inferType(
            new TensorType[] {images.type(), cotangents.type()}, FILTER_GRADIENT);
  }

  @Benchmark
  public Tensor im2colF64() {
    return conv(x64, w64);
  }

  @Benchmark
  public Tensor filterGradientPatches() {
    return Convolution.evaluate(
        images,
        cotangents,
        FILTER_GRADIENT_GEOMETRY,
        filterGradientType,
        Convolution.Layout.PATCHES);
  }

  @Benchmark
  public Tensor filterGradientWindowDots() {
    return Convolution.evaluate(
        images,
        cotangents,
        FILTER_GRADIENT_GEOMETRY,
        filterGradientType,
        Convolution.Layout.WINDOW_DOTS);
  }

  @Benchmark
  public Tensor filterGradientColumns() {
    return Convolution.evaluate(
        images,
        cotangents,
        FILTER_GRADIENT_GEOMETRY,
        filterGradientType,
        Convolution.Layout.COLUMNS);
  }

  @Benchmark
  public Tensor im2col() {
    return conv(x, w);
  }

  @Benchmark
  public float[] direct() {
    return direct(xArray, wArray, N, C, O, S);
  }

  static Tensor conv(Tensor x, Tensor w) {
    return Interpreters.bind1(ConvGeneralDilated.CONV_GENERAL_DILATED, SAME, x, w);
  }

  /** 3x3, stride 1, padding 1, square images: the definition, one output row at a time. */
  static float[] direct(float[] x, float[] w, int n, int c, int o, int s) {
    float[] y = new float[n * o * s * s];
    for (int b = 0; b < n; b++) {
      for (int f = 0; f < o; f++) {
        int out = (b * o + f) * s * s;
        for (int ch = 0; ch < c; ch++) {
          int in = (b * c + ch) * s * s;
          for (int kh = 0; kh < K; kh++) {
            for (int kw = 0; kw < K; kw++) {
              float wv = w[((f * c + ch) * K + kh) * K + kw];
              int dx = kw - 1;
              int from = Math.max(0, -dx);
              int to = Math.min(s, s - dx);
              for (int row = 0; row < s; row++) {
                int r = row + kh - 1;
                if (r < 0 || r >= s) {
                  continue;
                }
                int yRow = out + row * s;
                int xRow = in + r * s + dx;
                for (int col = from; col < to; col++) {
                  y[yRow + col] += wv * x[xRow + col];
                }
              }
            }
          }
        }
      }
    }
    return y;
  }
}
