package org.vmap4j.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.vmap4j.DType;
import org.vmap4j.Tensor;
import org.vmap4j.benchmarks.ConvRewritesCpuTime.Params;
import org.vmap4j.benchmarks.ModelsPerSampleGradBenchmark.Block;
import org.vmap4j.benchmarks.ModelsPerSampleGradBenchmark.Cnn;

/**
 * The parameter counts behind the memory figures (against counts by hand from the layers' shapes)
 * and the materialized route's reductions of {@link ConvRewritesCpuTime} (against plain loops).
 */
class PerSampleMemoryTest {
  @Test
  void parameterCountsMatchTheLayersCountedByHand() {
    DType f32 = DType.F32;
    Cnn cnn =
        new Cnn(
            ModelsPerSampleGradBenchmark.CONV1.init(1, f32),
            ModelsPerSampleGradBenchmark.NORM1.init(2, f32),
            ModelsPerSampleGradBenchmark.CONV2.init(3, f32),
            ModelsPerSampleGradBenchmark.NORM2.init(4, f32),
            ModelsPerSampleGradBenchmark.CNN_FC.init(5, f32));
    // conv 3->4 3x3 + bias, GroupNorm(4) scale + shift, conv 4->8 3x3 + bias, GroupNorm(8),
    // linear 512->10 + bias
    long cnnByHand = (4 * 3 * 9 + 4) + 2 * 4 + (8 * 4 * 9 + 8) + 2 * 8 + (512 * 10 + 10);
    assertThat(PerSampleMemory.parameterCount(cnn)).isEqualTo(cnnByHand).isEqualTo(5562);
    assertThat(PerSampleMemory.perSampleGradientBytes(cnn, 256)).isEqualTo(256L * 5562 * 4);
    Block block =
        new Block(
            ModelsPerSampleGradBenchmark.ENCODER.init(7, f32),
            ModelsPerSampleGradBenchmark.BLOCK_FC.init(8, f32));
    // width 128, feed-forward 512: packed q/k/v projection + bias, output projection + bias,
    // linear1, linear2, two layer norms (scale + shift); classifier 128->10
    long blockByHand =
        (3 * 128 * 128 + 3 * 128)
            + (128 * 128 + 128)
            + (128 * 512 + 512)
            + (512 * 128 + 128)
            + 2 * (2 * 128)
            + (128 * 10 + 10);
    assertThat(PerSampleMemory.parameterCount(block)).isEqualTo(blockByHand);
  }

  @Test
  void materializedReductionsMatchPlainLoops() {
    int b = 3;
    Tensor w = Tensor.randomNormal(1, DType.F64, b, 2, 3);
    Tensor v = Tensor.randomNormal(2, DType.F64, b, 2);
    Params g = new Params(w, v);
    Params r =
        new Params(Tensor.randomNormal(3, DType.F64, 2, 3), Tensor.randomNormal(4, DType.F64, 2));
    double[] ws = w.toDoubleArray();
    double[] vs = v.toDoubleArray();
    double[] rw = r.weight().toDoubleArray();
    double[] rv = r.other().toDoubleArray();
    double[] norms = new double[b];
    double[] dots = new double[b];
    double[] sumW = new double[6];
    double[] sumV = new double[2];
    for (int i = 0; i < b; i++) {
      double sq = 0;
      for (int j = 0; j < 6; j++) {
        sq += ws[i * 6 + j] * ws[i * 6 + j];
        dots[i] += ws[i * 6 + j] * rw[j];
      }
      for (int j = 0; j < 2; j++) {
        sq += vs[i * 2 + j] * vs[i * 2 + j];
        dots[i] += vs[i * 2 + j] * rv[j];
      }
      norms[i] = Math.sqrt(sq);
    }
    // between the smallest and largest norm, so that clipping bites for some example only
    double maxNorm =
        (Arrays.stream(norms).min().getAsDouble() + Arrays.stream(norms).max().getAsDouble()) / 2;
    for (int i = 0; i < b; i++) {
      double c = Math.min(1, maxNorm / (norms[i] + 1e-6));
      for (int j = 0; j < 6; j++) {
        sumW[j] += c * ws[i * 6 + j];
      }
      for (int j = 0; j < 2; j++) {
        sumV[j] += c * vs[i * 2 + j];
      }
    }
    assertClose(norms, ConvRewritesCpuTime.norms(g).toDoubleArray());
    assertClose(dots, ConvRewritesCpuTime.dot(g, r).toDoubleArray());
    Params clipped = ConvRewritesCpuTime.clippedSum(g, Tensor.scalar(DType.F64, maxNorm));
    assertClose(sumW, clipped.weight().toDoubleArray());
    assertClose(sumV, clipped.other().toDoubleArray());
    assertThat(Arrays.stream(norms).filter(n -> n > maxNorm).count()).isPositive();
    assertThat(Arrays.stream(norms).filter(n -> n < maxNorm).count()).isPositive();
  }

  private static void assertClose(double[] expected, double[] actual) {
    assertThat(actual).hasSameSizeAs(expected);
    for (int i = 0; i < expected.length; i++) {
      assertThat(actual[i]).as("element %d", i).isCloseTo(expected[i], within(1e-12));
    }
  }
}
