package org.vmap4j.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.vmap4j.Func.*;
import static org.vmap4j.nn.Functional.*;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.vmap4j.DType;
import org.vmap4j.Fn3;
import org.vmap4j.InDims;
import org.vmap4j.Tensor;

/**
 * The snippets of docs/models.md's "A CNN with PyTorch's weights" and "Recurrent layers" sections,
 * as written there (the file paths aside), checked against the functorch fixtures.
 */
class ModelsDocsLayersTest {

  // --- docs/models.md: "A CNN with PyTorch's weights"
  record ConvNet(
      Conv2d.Params conv1,
      GroupNorm.Params norm1,
      Conv2d.Params conv2,
      GroupNorm.Params norm2,
      Linear.Params fc) {} // state-dict names conv1.weight, norm1.bias, ..., fc.weight

  static final Conv2d CONV1 = new Conv2d(1, 4, 3, 1); // in, out, kernel 3x3, padding 1
  static final Conv2d CONV2 = new Conv2d(4, 8, 3, 1);
  static final GroupNorm NORM1 = new GroupNorm(2, 4); // groups, channels
  static final GroupNorm NORM2 = new GroupNorm(2, 8);
  static final Linear FC = new Linear(8 * 2 * 2, 10);

  static Tensor logits(ConvNet p, Tensor image) { // image [1, 8, 8]
    Tensor h = CONV1.apply(p.conv1(), image); // [4, 8, 8]
    h = NORM1.apply(p.norm1(), h.unsqueeze(0)).squeeze(0); // GroupNorm takes [N, C, H, W]
    h = maxPool2d(relu(h), new int[] {2}); // [4, 4, 4]
    h = CONV2.apply(p.conv2(), h); // [8, 4, 4]
    h = NORM2.apply(p.norm2(), h.unsqueeze(0)).squeeze(0);
    h = maxPool2d(relu(h), new int[] {2}); // [8, 2, 2]
    return FC.apply(p.fc(), h.reshape(-1)); // [10]
  }

  static Tensor loss(ConvNet p, Tensor image, Tensor label) { // label: 0-d I64 class index
    return crossEntropy(logits(p, image), label);
  }

  // ---

  @Test
  void cnnWithPyTorchsWeights() throws IOException {
    Path weightsFile = Fixtures.path("cnn_digits_weights.safetensors");
    Map<String, Tensor> fixture = Fixtures.load("cnn_digits_expected.safetensors");
    Tensor images = fixture.get("x");
    Tensor labels = fixture.get("labels");

    // --- docs/models.md: "A CNN with PyTorch's weights" (loading)
    ConvNet template =
        new ConvNet(
            CONV1.init(0, DType.F64),
            NORM1.init(0, DType.F64),
            CONV2.init(0, DType.F64),
            NORM2.init(0, DType.F64),
            FC.init(0, DType.F64));
    ConvNet params = StateDict.load(template, SafeTensors.load(weightsFile));

    Fn3<ConvNet, Tensor, Tensor, ConvNet> perSample =
        jit(vmap(grad(ModelsDocsLayersTest::loss), InDims.of(null, 0, 0)));
    ConvNet grads = perSample.apply(params, images, labels); // images [B, 1, 8, 8], labels [B]
    // ---

    Map<String, Tensor> byName = StateDict.of(grads);
    assertThat(byName.get("conv1.weight").shape()).containsExactly(8, 4, 1, 3, 3);
    for (String n : byName.keySet()) {
      Fixtures.assertClose(byName.get(n), fixture.get("per_sample_grad." + n), 1e-9, n);
    }
  }

  // --- docs/models.md: "Recurrent layers"
  record SequenceClassifier(Lstm.Params rnn, Linear.Params fc) {} // rnn.weight_ih_l0, ..., fc.bias

  static final Lstm RNN = new Lstm(5, 32); // input size, hidden size
  static final Linear HEAD = new Linear(32, 4);

  static Tensor sequenceLoss(SequenceClassifier p, Tensor seq, Tensor label) { // seq [T, 5]
    Lstm.Result r = RNN.run(p.rnn(), seq, null, null); // output [T, 32]; h, c [1, 32]
    return crossEntropy(HEAD.apply(p.fc(), r.h().squeeze(0)), label);
  }

  // ---

  @Test
  void lstmClassifierPerSampleGradients() {
    Map<String, Tensor> fixture = Fixtures.load("rnn_lstm.safetensors");
    Map<String, Tensor> stateDict = new LinkedHashMap<>(); // as torch names a module with rnn, fc
    RecurrentConformanceTest.under(fixture, "cls.param.")
        .forEach((k, v) -> stateDict.put(k.startsWith("fc.") ? k : "rnn." + k, v));
    Tensor seqs = fixture.get("cls.seqs");
    Tensor labels = fixture.get("cls.labels");

    // --- docs/models.md: "Recurrent layers" (per-sample gradients)
    SequenceClassifier template =
        new SequenceClassifier(RNN.init(0, DType.F64), HEAD.init(0, DType.F64));
    SequenceClassifier params = StateDict.load(template, stateDict);
    Fn3<SequenceClassifier, Tensor, Tensor, SequenceClassifier> perSample =
        jit(vmap(grad(ModelsDocsLayersTest::sequenceLoss), InDims.of(null, 0, 0)));
    SequenceClassifier g = perSample.apply(params, seqs, labels); // seqs [B, 20, 5], labels [B]
    // ---

    Fixtures.assertClose(
        g.rnn().weightHhL0(),
        fixture.get("cls.per_sample_grad.weight_hh_l0"),
        1e-9,
        "weight_hh_l0");
    Fixtures.assertClose(
        g.fc().weight(), fixture.get("cls.per_sample_grad.fc.weight"), 1e-9, "fc.weight");
  }
}
