package org.vmap4j.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.Random;
import java.util.function.BiFunction;
import java.util.function.Function;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;
import org.vmap4j.DType;
import org.vmap4j.Func;
import org.vmap4j.InDims;
import org.vmap4j.Tensor;

/** The argument handling of Functional's convolution and pooling (values: ConvFixturesTest). */
class ConvolutionsTest {
  static final Tensor X = Tensor.randomNormal(1, DType.F64, 3, 4, 7, 6);
  static final Tensor W = Tensor.randomNormal(2, DType.F64, 6, 2, 3, 3);
  static final Tensor B = Tensor.randomNormal(3, DType.F64, 6);

  static Tensor conv(Tensor x, Tensor w) {
    return Functional.conv2d(x, w, B, new int[] {2, 1}, new int[] {1}, new int[] {1, 2}, 2);
  }

  @Test
  void perExampleCallsUnderVmapEqualTheBatchedCall() {
    Tensor batched = conv(X, W);
    assertThat(batched.shape())
        .containsExactly(3, 6, 4, 4); // H: (7 + 2 - 3) / 2 + 1, W: (6 + 2 - 5) + 1
    Tensor perExample = Func.vmap((Tensor x) -> conv(x, W)).apply(X);
    assertThat(perExample.allClose(batched, 1e-12, 1e-12)).isTrue();
    // a batch of filters (an ensemble) against one image batch: vmap over the weight
    Tensor ws = Tensor.stack(0, W, W.mul(2.0));
    BiFunction<Tensor, Tensor, Tensor> f = ConvolutionsTest::conv;
    Tensor ensemble = Func.vmap(f, InDims.of(null, 0)).apply(X, ws);
    assertThat(ensemble.index(0, 1).allClose(conv(X, W.mul(2.0)), 1e-12, 1e-12)).isTrue();
  }

  @Test
  void poolingAcceptsUnbatchedImages() {
    Tensor pooled = Functional.maxPool2d(X, new int[] {3}, new int[] {2}, new int[] {1});
    Tensor one = Functional.maxPool2d(X.index(0, 1), new int[] {3}, new int[] {2}, new int[] {1});
    assertThat(one.allClose(pooled.index(0, 1), 0, 0)).isTrue();
    Tensor avg = Functional.avgPool2d(X, new int[] {2, 3});
    assertThat(avg.shape()).containsExactly(3, 4, 3, 2);
    assertThat(Functional.adaptiveAvgPool2d(X, new int[] {1}).shape()).containsExactly(3, 4, 1, 1);
  }

  /**
   * Pooling with the optional arguments (dilation, ceil_mode, count_include_pad) over random
   * geometries: vmap over examples equals a loop of per-example calls, for the values and for the
   * per-example gradients (values against PyTorch: ConvFixturesTest).
   */
  @Property(tries = 60)
  void poolingOptionsUnderVmapEqualALoop(@ForAll long seed) {
    Random r = new Random(seed);
    int[] kernel = {1 + r.nextInt(3), 1 + r.nextInt(3)};
    int[] stride = {1 + r.nextInt(3), 1 + r.nextInt(3)};
    int[] padding = {r.nextInt(kernel[0] / 2 + 1), r.nextInt(kernel[1] / 2 + 1)};
    int[] dilation = {1 + r.nextInt(2), 1 + r.nextInt(2)};
    boolean ceil = r.nextBoolean();
    boolean includePad = r.nextBoolean();
    boolean max = r.nextBoolean();
    int height = dilation[0] * (kernel[0] - 1) + 1 + r.nextInt(4);
    int width = dilation[1] * (kernel[1] - 1) + 1 + r.nextInt(4);
    Function<Tensor, Tensor> pool =
        x ->
            max
                ? Functional.maxPool2d(x, kernel, stride, padding, dilation, ceil)
                : Functional.avgPool2d(x, kernel, stride, padding, ceil, includePad);
    String what =
        (max ? "max" : "avg")
            + " k"
            + Arrays.toString(kernel)
            + " s"
            + Arrays.toString(stride)
            + " p"
            + Arrays.toString(padding)
            + (max ? " d" + Arrays.toString(dilation) : " includePad " + includePad)
            + " ceil "
            + ceil
            + " on "
            + height
            + "x"
            + width;
    int batch = 1 + r.nextInt(3);
    Tensor images = Tensor.randomNormal(r.nextLong(), DType.F64, batch, 2, height, width);
    Tensor batched = Func.vmap(pool).apply(images);
    Function<Tensor, Tensor> loss = x -> pool.apply(x).square().sum();
    Tensor grads = Func.vmap(Func.grad(loss)).apply(images);
    for (int b = 0; b < batch; b++) {
      Tensor one = images.index(0, b);
      assertThat(batched.index(0, b).allClose(pool.apply(one), 1e-12, 1e-12)).as(what).isTrue();
      assertThat(grads.index(0, b).allClose(Func.grad(loss).apply(one), 1e-12, 1e-12))
          .as(what + " grad")
          .isTrue();
    }
  }

  @Test
  void badShapesNameTheArgumentTheLayoutAndTheShape() {
    assertThatThrownBy(() -> Functional.conv2d(X.reshape(12, 7, 6, 1, 1), W))
        .hasMessageContaining("conv2d: input must be [N, C, H, W] or unbatched [C, H, W]")
        .hasMessageContaining("[12, 7, 6, 1, 1]");
    assertThatThrownBy(() -> Functional.conv2d(X, W))
        .hasMessageContaining("weight must be [O, C / groups, kH, kW]")
        .hasMessageContaining("C = 4")
        .hasMessageContaining("[6, 2, 3, 3]");
    assertThatThrownBy(
            () -> Functional.conv2d(X, W, Tensor.zeros(DType.F64, 4), null, new int[] {0}, null, 2))
        .hasMessageContaining("bias must be [O] = [6]")
        .hasMessageContaining("[4]");
    assertThatThrownBy(() -> Functional.conv2d(X, W, null, new int[] {2}, "same", null, 2))
        .hasMessageContaining("padding=\"same\" needs stride 1");
    assertThatThrownBy(
            () -> Functional.conv2d(X, W, null, new int[] {1, 1, 1}, new int[] {0}, null, 2))
        .hasMessageContaining("stride needs 1 or 2 values");
    assertThatThrownBy(() -> Functional.maxPool2d(X, new int[] {2}, null, new int[] {2}))
        .hasMessageContaining("padding should be at most half of the kernel size");
    assertThatThrownBy(
            () -> Functional.maxPool2d(X, new int[] {2}, null, null, new int[] {0}, false))
        .hasMessageContaining("max_pool2d: dilation must be at least 1");
    assertThatThrownBy(
            () -> Functional.maxPool2d(X, new int[] {3}, null, null, new int[] {4}, true))
        .hasMessageContaining(
            "kernel_size [3, 3] with dilation [4, 4] is larger than the padded input")
        .hasMessageContaining("[3, 4, 7, 6]");
    assertThatThrownBy(() -> Functional.avgPool2d(X.reshape(84, 6), new int[] {2}))
        .hasMessageContaining("avg_pool2d: input must be [N, C, H, W]")
        .hasMessageContaining("[84, 6]");
  }
}
