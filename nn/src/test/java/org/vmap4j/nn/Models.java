package org.vmap4j.nn;

import static org.vmap4j.nn.Functional.*;

import org.vmap4j.Tensor;

/** The model of docs/models.md's "Convolution and pooling" section, as written there. */
final class Models {
  private Models() {}

  record Cnn(Tensor conv1, Tensor bias1, Tensor conv2, Tensor bias2, Tensor fc, Tensor fcBias) {}

  record Example(Tensor image, Tensor oneHot) {}

  static Tensor logits(Cnn p, Tensor image) { // image [1, 8, 8]
    Tensor h = conv2d(image, p.conv1(), p.bias1(), null, "same", null, 1); // [4, 8, 8]
    h = maxPool2d(h.relu(), new int[] {2}); // [4, 4, 4]
    h = conv2d(h, p.conv2(), p.bias2(), null, new int[] {1}, null, 1); // [8, 4, 4]
    h = maxPool2d(h.relu(), new int[] {2}); // [8, 2, 2]
    return p.fc().matmul(h.reshape(-1)).add(p.fcBias()); // [10]
  }

  static Tensor loss(Cnn p, Example e) {
    return e.oneHot().mul(logits(p, e.image()).logSoftmax(0)).sum().neg();
  }
}
