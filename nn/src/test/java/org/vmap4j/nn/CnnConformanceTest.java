package org.vmap4j.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.vmap4j.Func.grad;
import static org.vmap4j.Func.jacrev;
import static org.vmap4j.Func.jit;
import static org.vmap4j.Func.vmap;

import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.vmap4j.DType;
import org.vmap4j.InDims;
import org.vmap4j.Tensor;

/**
 * A CNN (conv, GroupNorm, ReLU, max-pool, twice, then linear) against PyTorch 1.13 + functorch in
 * F64, on 8x8 digits and on 3x32x32 random images: the weights are PyTorch's state dict, written as
 * safetensors by {@code nn/src/test/python/generate_model_fixtures.py} and loaded by name onto
 * {@link ConvNet}; the logits, the mean cross-entropy (integer labels), its gradient, per-sample
 * gradients {@code vmap(grad)} of every parameter and the per-example Jacobian of the logits with
 * respect to the input agree to 1e-9, eagerly and under jit.
 */
class CnnConformanceTest {
  static final double TOL = 1e-9;

  /** The module of the fixture script, written for one example; names as its state dict. */
  record ConvNet(
      Conv2d.Params conv1,
      GroupNorm.Params norm1,
      Conv2d.Params conv2,
      GroupNorm.Params norm2,
      Linear.Params fc) {
    static final Conv2d CONV2 = new Conv2d(4, 8, 3, 1);
    static final GroupNorm NORM1 = new GroupNorm(2, 4);
    static final GroupNorm NORM2 = new GroupNorm(2, 8);

    static ConvNet template(int channels, int size) {
      return new ConvNet(
          new Conv2d(channels, 4, 3, 1).init(1, DType.F64),
          NORM1.init(2, DType.F64),
          CONV2.init(3, DType.F64),
          NORM2.init(4, DType.F64),
          new Linear(8 * (size / 4) * (size / 4), 10).init(5, DType.F64));
    }

    /** image {@code [C, H, W]} to logits {@code [10]}. */
    static Tensor logits(ConvNet p, Tensor image) {
      Tensor h =
          Functional.conv2d(
              image, p.conv1().weight(), p.conv1().bias(), null, new int[] {1}, null, 1);
      h = NORM1.apply(p.norm1(), h.unsqueeze(0)).squeeze(0); // GroupNorm takes [N, C, H, W]
      h = Functional.maxPool2d(Functional.relu(h), new int[] {2});
      h = CONV2.apply(p.conv2(), h);
      h = NORM2.apply(p.norm2(), h.unsqueeze(0)).squeeze(0);
      h = Functional.maxPool2d(Functional.relu(h), new int[] {2});
      return Functional.linear(h.reshape(-1), p.fc().weight(), p.fc().bias());
    }

    static Tensor loss(ConvNet p, Tensor image, Tensor label) {
      return Functional.crossEntropy(logits(p, image), label);
    }
  }

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of("digits", 1, 8, false),
        Arguments.of("digits", 1, 8, true),
        Arguments.of("random", 3, 32, false),
        Arguments.of("random", 3, 32, true));
  }

  static ConvNet params(String data, int channels, int size) {
    return StateDict.load(
        ConvNet.template(channels, size), Fixtures.load("cnn_" + data + "_weights.safetensors"));
  }

  static Tensor batchLogits(ConvNet p, Tensor images) {
    Function<Tensor, Tensor> perExample = x -> ConvNet.logits(p, x);
    return vmap(perExample).apply(images);
  }

  @ParameterizedTest(name = "{0}, jit = {3}")
  @MethodSource("cases")
  void forwardAndLoss(String data, int channels, int size, boolean jitted) {
    ConvNet p = params(data, channels, size);
    Map<String, Tensor> e = Fixtures.load("cnn_" + data + "_expected.safetensors");
    BiFunction<ConvNet, Tensor, Tensor> logits = CnnConformanceTest::batchLogits;
    BiFunction<Tensor, Tensor, Tensor> loss =
        (x, y) -> Functional.crossEntropy(batchLogits(p, x), y);
    if (jitted) {
      logits = jit(logits);
      loss = jit(loss);
    }
    Fixtures.assertClose(logits.apply(p, e.get("x")), e.get("logits"), TOL, "logits");
    Fixtures.assertClose(loss.apply(e.get("x"), e.get("labels")), e.get("loss"), TOL, "loss");
  }

  @ParameterizedTest(name = "{0}, jit = {3}")
  @MethodSource("cases")
  void gradientOfTheMeanLoss(String data, int channels, int size, boolean jitted) {
    ConvNet p = params(data, channels, size);
    Map<String, Tensor> e = Fixtures.load("cnn_" + data + "_expected.safetensors");
    Tensor x = e.get("x");
    Tensor labels = e.get("labels");
    Function<ConvNet, ConvNet> g =
        grad((ConvNet q) -> Functional.crossEntropy(batchLogits(q, x), labels));
    if (jitted) {
      g = jit(g);
    }
    compareByName(p, StateDict.of(g.apply(p)), e, "grad.");
  }

  @ParameterizedTest(name = "{0}, jit = {3}")
  @MethodSource("cases")
  void perSampleGradientsOfEveryParameter(String data, int channels, int size, boolean jitted) {
    ConvNet p = params(data, channels, size);
    Map<String, Tensor> e = Fixtures.load("cnn_" + data + "_expected.safetensors");
    org.vmap4j.Fn3<ConvNet, Tensor, Tensor, ConvNet> perSample =
        vmap(grad(ConvNet::loss), InDims.of(null, 0, 0));
    if (jitted) {
      perSample = jit(perSample);
    }
    Map<String, Tensor> named = StateDict.of(perSample.apply(p, e.get("x"), e.get("labels")));
    assertThat(named.get("conv1.weight").shape())
        .containsExactly(e.get("x").shape()[0], 4, channels, 3, 3);
    compareByName(p, named, e, "per_sample_grad.");
  }

  /**
   * The same per-sample gradients in F32 on the 3x32x32 model, against functorch's F64 values at
   * F32's precision: the F32 CPU kernels the F64 cases never reach run here (the direct
   * convolution's register tiles, the window-dot filter gradients, the 2x2 pooling scatter).
   */
  @ParameterizedTest(name = "jit = {0}")
  @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
  void perSampleGradientsInF32(boolean jitted) {
    ConvNet template =
        new ConvNet(
            new Conv2d(3, 4, 3, 1).init(1, DType.F32),
            ConvNet.NORM1.init(2, DType.F32),
            ConvNet.CONV2.init(3, DType.F32),
            ConvNet.NORM2.init(4, DType.F32),
            new Linear(8 * 8 * 8, 10).init(5, DType.F32));
    Map<String, Tensor> weights = new java.util.LinkedHashMap<>();
    Fixtures.load("cnn_random_weights.safetensors")
        .forEach((k, v) -> weights.put(k, v.astype(DType.F32)));
    ConvNet p = StateDict.load(template, weights);
    Map<String, Tensor> e = Fixtures.load("cnn_random_expected.safetensors");
    org.vmap4j.Fn3<ConvNet, Tensor, Tensor, ConvNet> perSample =
        vmap(grad(ConvNet::loss), InDims.of(null, 0, 0));
    if (jitted) {
      perSample = jit(perSample);
    }
    Map<String, Tensor> named =
        StateDict.of(perSample.apply(p, e.get("x").astype(DType.F32), e.get("labels")));
    for (String n : StateDict.names(p)) {
      assertThat(named.get(n).dtype()).isEqualTo(DType.F32);
      Fixtures.assertClose(
          named.get(n).astype(DType.F64), e.get("per_sample_grad." + n), 1e-4, "F32 " + n);
    }
  }

  @ParameterizedTest(name = "{0}, jit = {3}")
  @MethodSource("cases")
  void perExampleJacobianOfTheLogitsWithRespectToTheInput(
      String data, int channels, int size, boolean jitted) {
    ConvNet p = params(data, channels, size);
    Map<String, Tensor> e = Fixtures.load("cnn_" + data + "_expected.safetensors");
    Function<Tensor, Tensor> jacobian = vmap(jacrev((Tensor image) -> ConvNet.logits(p, image)));
    if (jitted) {
      jacobian = jit(jacobian);
    }
    Fixtures.assertClose(
        jacobian.apply(e.get("x")), e.get("jacobian"), TOL, "jacobian [B, 10, C, H, W]");
  }

  @org.junit.jupiter.api.Test
  void aStateDictOfAnotherShapeIsAnErrorNamingTheKeyAndBothShapes() {
    // the digits weights (1 input channel, fc over 8 * 2 * 2) onto the 3x32x32 model
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> params("digits", 3, 32))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(
            "key \"conv1.weight\": expected shape [4, 3, 3, 3], found [4, 1, 3, 3]")
        .hasMessageContaining("key \"fc.weight\": expected shape [10, 512], found [10, 32]");
  }

  @org.junit.jupiter.api.Test
  void conv2dInitializesPyTorchsLayoutAndBound() {
    Conv2d layer = new Conv2d(6, 4, new int[] {3, 2}, null, null, null, 2, true);
    Conv2d.Params p = layer.init(7, DType.F64);
    assertThat(p.weight().shape()).containsExactly(4, 3, 3, 2);
    assertThat(p.bias().shape()).containsExactly(4);
    double bound = 1 / Math.sqrt(3 * 3 * 2);
    for (double v : p.weight().toDoubleArray()) {
      assertThat(Math.abs(v)).isLessThanOrEqualTo(bound);
    }
    assertThat(layer.apply(p, Tensor.ones(DType.F64, 6, 5, 5)).shape()).containsExactly(4, 3, 4);
  }

  private static void compareByName(
      ConvNet p, Map<String, Tensor> actual, Map<String, Tensor> expected, String prefix) {
    List<String> names = StateDict.names(p);
    assertThat(names)
        .containsExactly(
            "conv1.weight",
            "conv1.bias",
            "norm1.weight",
            "norm1.bias",
            "conv2.weight",
            "conv2.bias",
            "norm2.weight",
            "norm2.bias",
            "fc.weight",
            "fc.bias");
    for (String n : names) {
      Fixtures.assertClose(actual.get(n), expected.get(prefix + n), TOL, prefix + n);
    }
  }
}
