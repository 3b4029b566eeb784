package org.vmap4j.control;

import java.util.List;
import org.vmap4j.Func;
import org.vmap4j.ScanStep;
import org.vmap4j.Tensor;

/**
 * A one-layer LSTM classifier written with {@link Func#scan}: PyTorch's weight layout ({@code
 * weight_ih [4H, D]}, {@code weight_hh [4H, H]}, biases {@code [4H]}) and gate order (input,
 * forget, cell, output), then a linear layer on the last hidden state and a cross-entropy loss
 * against a one-hot label.
 */
record Lstm(Tensor wIh, Tensor wHh, Tensor bIh, Tensor bHh, Tensor wOut, Tensor bOut) {

  /** The final hidden and cell states after running the cell over {@code seq [T, D]}. */
  List<Tensor> run(Tensor seq) {
    int h = wHh.shape()[1];
    Tensor zeros = Tensor.zeros(seq.dtype(), h);
    return Func.scan(
            (List<Tensor> hc, Tensor x) -> {
              Tensor gates = wIh.matmul(x).add(bIh).add(wHh.matmul(hc.get(0))).add(bHh);
              Tensor i = gates.slice(0, 0, h).sigmoid();
              Tensor f = gates.slice(0, h, 2 * h).sigmoid();
              Tensor g = gates.slice(0, 2 * h, 3 * h).tanh();
              Tensor o = gates.slice(0, 3 * h, 4 * h).sigmoid();
              Tensor c = f.mul(hc.get(1)).add(i.mul(g));
              return new ScanStep<List<Tensor>, Tensor>(List.of(o.mul(c.tanh()), c), null);
            },
            List.of(zeros, zeros),
            seq)
        .carry();
  }

  static Tensor loss(Lstm p, Tensor seq, Tensor oneHot) {
    Tensor logits = p.wOut.matmul(p.run(seq).get(0)).add(p.bOut);
    return logits.logSoftmax(0).mul(oneHot).sum().neg();
  }
}
