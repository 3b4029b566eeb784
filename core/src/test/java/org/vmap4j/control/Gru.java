package org.vmap4j.control;

import org.vmap4j.Func;
import org.vmap4j.ScanStep;
import org.vmap4j.Tensor;

/**
 * A one-layer GRU classifier written with {@link Func#scan}: PyTorch's weight layout ({@code
 * weight_ih [3H, D]}, {@code weight_hh [3H, H]}, biases {@code [3H]}) and gate order (reset,
 * update, new; the reset gate scales the hidden part of the new gate, bias included), then a linear
 * layer on the last hidden state and a cross-entropy loss against a one-hot label.
 */
record Gru(Tensor wIh, Tensor wHh, Tensor bIh, Tensor bHh, Tensor wOut, Tensor bOut) {

  /** One step of the cell. */
  Tensor cell(Tensor x, Tensor h) {
    int n = wHh.shape()[1];
    Tensor gi = wIh.matmul(x).add(bIh);
    Tensor gh = wHh.matmul(h).add(bHh);
    Tensor r = gi.slice(0, 0, n).add(gh.slice(0, 0, n)).sigmoid();
    Tensor z = gi.slice(0, n, 2 * n).add(gh.slice(0, n, 2 * n)).sigmoid();
    Tensor candidate = gi.slice(0, 2 * n, 3 * n).add(r.mul(gh.slice(0, 2 * n, 3 * n))).tanh();
    return z.neg().add(1).mul(candidate).add(z.mul(h));
  }

  /** The final hidden state after running the cell over {@code seq [T, D]}. */
  Tensor run(Tensor seq) {
    Tensor h0 = Tensor.zeros(seq.dtype(), wHh.shape()[1]);
    return Func.scan(
            (Tensor h, Tensor x) -> new ScanStep<Tensor, Tensor>(cell(x, h), null), h0, seq)
        .carry();
  }

  static Tensor loss(Gru p, Tensor seq, Tensor oneHot) {
    Tensor logits = p.wOut.matmul(p.run(seq)).add(p.bOut);
    return logits.logSoftmax(0).mul(oneHot).sum().neg();
  }
}
