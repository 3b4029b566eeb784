package org.vmap4j.benchmarks;

import static org.vmap4j.Func.grad;
import static org.vmap4j.Func.jit;
import static org.vmap4j.Func.vmap;

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
import org.vmap4j.Fn3;
import org.vmap4j.InDims;
import org.vmap4j.Tensor;
import org.vmap4j.nn.Conv2d;
import org.vmap4j.nn.Functional;
import org.vmap4j.nn.GroupNorm;
import org.vmap4j.nn.Linear;
import org.vmap4j.nn.TransformerEncoderLayer;

/**
 * Per-sample gradients {@code jit(vmap(grad(loss)))} of issue 17's two models, F32, one thread,
 * against functorch's {@code vmap(grad)} of the same models from {@code
 * benchmarks/python/models_per_sample_torch_bench.py}, run in the same sitting:
 *
 * <ul>
 *   <li>{@code cnn}: conv(3 to 4, 3x3, pad 1), GroupNorm(2), ReLU, max-pool 2, conv(4 to 8),
 *       GroupNorm(2), ReLU, max-pool 2, linear(512 to 10), cross-entropy; 3x32x32 images, B = 256
 *       (the model of nn's CnnConformanceTest).
 *   <li>{@code transformer}: a post-norm encoder layer (width 128, 4 heads, feed-forward 512, GELU)
 *       on a sequence of 32, mean-pool, linear(128 to 10), cross-entropy; B = 64.
 * </ul>
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar ModelsPerSampleGrad}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {
      "-Xmx4g",
      "-Xss8m",
      "--add-modules=jdk.incubator.vector",
      "-Dvmap4j.threads=1"
    })
public class ModelsPerSampleGradBenchmark {
  public record Cnn(
      Conv2d.Params conv1,
      GroupNorm.Params norm1,
      Conv2d.Params conv2,
      GroupNorm.Params norm2,
      Linear.Params fc) {}

  public record Block(TransformerEncoderLayer.Params encoder, Linear.Params fc) {}

  static final Conv2d CONV1 = new Conv2d(3, 4, 3, 1);
  static final Conv2d CONV2 = new Conv2d(4, 8, 3, 1);
  static final GroupNorm NORM1 = new GroupNorm(2, 4);
  static final GroupNorm NORM2 = new GroupNorm(2, 8);
  static final Linear CNN_FC = new Linear(8 * 8 * 8, 10);
  static final TransformerEncoderLayer ENCODER = new TransformerEncoderLayer(128, 4, 512);
  static final Linear BLOCK_FC = new Linear(128, 10);

  static Tensor cnnLoss(Cnn p, Tensor image, Tensor label) { // image [3, 32, 32]
    Tensor h = CONV1.apply(p.conv1(), image);
    h = NORM1.apply(p.norm1(), h.unsqueeze(0)).squeeze(0);
    h = Functional.maxPool2d(Functional.relu(h), new int[] {2});
    h = CONV2.apply(p.conv2(), h);
    h = NORM2.apply(p.norm2(), h.unsqueeze(0)).squeeze(0);
    h = Functional.maxPool2d(Functional.relu(h), new int[] {2});
    return Functional.crossEntropy(CNN_FC.apply(p.fc(), h.reshape(-1)), label);
  }

  static Tensor blockLoss(Block p, Tensor seq, Tensor label) { // seq [32, 128]
    Tensor pooled = ENCODER.apply(p.encoder(), seq).mean(0);
    return Functional.crossEntropy(BLOCK_FC.apply(p.fc(), pooled), label);
  }

  Cnn cnn;
  Tensor images;
  Tensor imageLabels;
  Fn3<Cnn, Tensor, Tensor, Cnn> cnnPerSample;
  Block block;
  Tensor sequences;
  Tensor sequenceLabels;
  Fn3<Block, Tensor, Tensor, Block> blockPerSample;

  @Setup
  public void setUp() {
    DType f32 = DType.F32;
    cnn =
        new Cnn(
            CONV1.init(1, f32),
            NORM1.init(2, f32),
            CONV2.init(3, f32),
            NORM2.init(4, f32),
            CNN_FC.init(5, f32));
    images = Tensor.randomNormal(6, f32, 256, 3, 32, 32);
    imageLabels = labels(256);
    cnnPerSample = jit(vmap(grad(ModelsPerSampleGradBenchmark::cnnLoss), InDims.of(null, 0, 0)));
    block = new Block(ENCODER.init(7, f32), BLOCK_FC.init(8, f32));
    sequences = Tensor.randomNormal(9, f32, 64, 32, 128);
    sequenceLabels = labels(64);
    blockPerSample =
        jit(vmap(grad(ModelsPerSampleGradBenchmark::blockLoss), InDims.of(null, 0, 0)));
  }

  private static Tensor labels(int n) {
    long[] y = new long[n];
    for (int i = 0; i < n; i++) {
      y[i] = (7L * i) % 10;
    }
    return Tensor.of(y, n);
  }

  @Benchmark
  public Cnn cnn() {
    return cnnPerSample.apply(cnn, images, imageLabels);
  }

  @Benchmark
  public Block transformer() {
    return blockPerSample.apply(block, sequences, sequenceLabels);
  }
}
