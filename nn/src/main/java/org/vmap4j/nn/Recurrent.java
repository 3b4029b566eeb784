package org.vmap4j.nn;

import java.util.List;
import org.vmap4j.Func;
import org.vmap4j.ScanResult;
import org.vmap4j.ScanStep;
import org.vmap4j.Tensor;

/**
 * The recurrent layers of {@link Functional#lstm} and {@link Functional#gru}: one layer, one
 * direction, in PyTorch's weight layout and gate order, each a {@link Func#scan} over time (so
 * under jit the program holds one step, whatever the sequence length, and {@code grad} is a reverse
 * scan).
 */
final class Recurrent {
  private Recurrent() {}

  static Lstm.Result lstm(
      Tensor input, Tensor h0, Tensor c0, Tensor wIh, Tensor wHh, Tensor bIh, Tensor bHh) {
    String fn = "lstm";
    int hidden = checkWeights(fn, 4, input, wIh, wHh, bIh, bHh);
    Tensor h = initialState(fn, "h0", h0, input, hidden);
    Tensor c = initialState(fn, "c0", c0, input, hidden);
    ScanResult<List<Tensor>, Tensor> r =
        Func.scan(
            (List<Tensor> hc, Tensor x) -> {
              // gates [..., 4H] in PyTorch's order: input, forget, cell (g), output
              Tensor gates =
                  Functional.linear(x, wIh, bIh).add(Functional.linear(hc.get(0), wHh, bHh));
              Tensor i = gate(gates, 0, hidden).sigmoid();
              Tensor f = gate(gates, 1, hidden).sigmoid();
              Tensor g = gate(gates, 2, hidden).tanh();
              Tensor o = gate(gates, 3, hidden).sigmoid();
              Tensor cNext = f.mul(hc.get(1)).add(i.mul(g));
              Tensor hNext = o.mul(cNext.tanh());
              return new ScanStep<>(List.of(hNext, cNext), hNext);
            },
            List.of(h, c),
            input);
    return new Lstm.Result(r.ys(), r.carry().get(0).unsqueeze(0), r.carry().get(1).unsqueeze(0));
  }

  static Gru.Result gru(Tensor input, Tensor h0, Tensor wIh, Tensor wHh, Tensor bIh, Tensor bHh) {
    String fn = "gru";
    int hidden = checkWeights(fn, 3, input, wIh, wHh, bIh, bHh);
    Tensor h = initialState(fn, "h0", h0, input, hidden);
    ScanResult<Tensor, Tensor> r =
        Func.scan(
            (Tensor hPrev, Tensor x) -> {
              // PyTorch's order: reset, update, new; the reset gate scales the hidden part of the
              // new gate with its bias (b_hn inside r * (W_hn h + b_hn)), so the two halves stay
              // apart until then
              Tensor gi = Functional.linear(x, wIh, bIh);
              Tensor gh = Functional.linear(hPrev, wHh, bHh);
              Tensor reset = gate(gi, 0, hidden).add(gate(gh, 0, hidden)).sigmoid();
              Tensor update = gate(gi, 1, hidden).add(gate(gh, 1, hidden)).sigmoid();
              Tensor candidate = gate(gi, 2, hidden).add(reset.mul(gate(gh, 2, hidden))).tanh();
              Tensor hNext = update.neg().add(1).mul(candidate).add(update.mul(hPrev));
              return new ScanStep<>(hNext, hNext);
            },
            h,
            input);
    return new Gru.Result(r.ys(), r.carry().unsqueeze(0));
  }

  /** Gate {@code k} of the stacked gates along the last dimension. */
  private static Tensor gate(Tensor gates, int k, int hidden) {
    return gates.slice(gates.ndim() - 1, k * hidden, (k + 1) * hidden);
  }

  /** Checks input {@code [T, I]} or {@code [T, N, I]} against the weights; returns H. */
  private static int checkWeights(
      String fn, int gates, Tensor input, Tensor wIh, Tensor wHh, Tensor bIh, Tensor bHh) {
    Checks.floating(input, fn, "input");
    Checks.rankIn(input, 2, 3, fn, "input", "[T, I] (one sequence) or [T, N, I] (time first)");
    Checks.floating(wIh, fn, "weightIh");
    Checks.floating(wHh, fn, "weightHh");
    Checks.rankIn(wHh, 2, 2, fn, "weightHh", "[" + gates + "H, H]");
    int hidden = wHh.shape()[1];
    int inputSize = input.shape()[input.ndim() - 1];
    Checks.shapeIs(wHh, new int[] {gates * hidden, hidden}, fn, "weightHh");
    Checks.require(
        wIh.ndim() == 2 && wIh.shape()[0] == gates * hidden && wIh.shape()[1] == inputSize,
        fn,
        "weightIh must have shape ["
            + gates * hidden
            + ", "
            + inputSize
            + "] (["
            + gates
            + "H, I] for the input's last dimension I = "
            + inputSize
            + "), found "
            + Checks.shape(wIh));
    Checks.shapeIs(bIh, new int[] {gates * hidden}, fn, "biasIh");
    Checks.shapeIs(bHh, new int[] {gates * hidden}, fn, "biasHh");
    return hidden;
  }

  /**
   * The initial state without PyTorch's leading layer dimension: {@code [1, H]} or {@code [1, N,
   * H]} to {@code [H]} or {@code [N, H]}; zeros when null.
   */
  private static Tensor initialState(String fn, String name, Tensor s, Tensor input, int hidden) {
    int[] expected =
        input.ndim() == 2 ? new int[] {1, hidden} : new int[] {1, input.shape()[1], hidden};
    if (s == null) {
      return Tensor.zeros(
          input.dtype(), java.util.Arrays.copyOfRange(expected, 1, expected.length));
    }
    Checks.shapeIs(s, expected, fn, name + " (one layer, as PyTorch's)");
    return s.squeeze(0);
  }
}
