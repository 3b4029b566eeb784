package org.vmap4j.nn;

import org.vmap4j.DType;
import org.vmap4j.Tensor;

/**
 * A one-layer, one-direction LSTM as PyTorch's {@code nn.LSTM(inputSize, hiddenSize)} (time first):
 * its parameters carry {@code nn.LSTM}'s state-dict names, so its weights load from safetensors.
 * {@link #apply} returns the output sequence; {@link #run} also the final states.
 */
public record Lstm(int inputSize, int hiddenSize) implements Layer<Lstm.Params> {

  /**
   * {@code weight_ih_l0 [4H, I]}, {@code weight_hh_l0 [4H, H]}, {@code bias_ih_l0}, {@code
   * bias_hh_l0 [4H]}; gates in the order input, forget, cell, output.
   */
  public record Params(Tensor weightIhL0, Tensor weightHhL0, Tensor biasIhL0, Tensor biasHhL0) {}

  /**
   * What {@link Functional#lstm} returns, as PyTorch's {@code output, (h_n, c_n)}: {@code output}
   * {@code [T, H]} or {@code [T, N, H]} (the hidden state after each step), {@code h} and {@code c}
   * the final states {@code [1, H]} or {@code [1, N, H]}.
   */
  public record Result(Tensor output, Tensor h, Tensor c) {}

  /** PyTorch's default: every parameter from U(-1/sqrt(H), 1/sqrt(H)). */
  @Override
  public Params init(long seed, DType dtype) {
    double b = 1 / Math.sqrt(hiddenSize);
    int g = 4 * hiddenSize;
    return new Params(
        Init.uniform(Init.split(seed, 0), dtype, b, g, inputSize),
        Init.uniform(Init.split(seed, 1), dtype, b, g, hiddenSize),
        Init.uniform(Init.split(seed, 2), dtype, b, g),
        Init.uniform(Init.split(seed, 3), dtype, b, g));
  }

  /** The output sequence from zero initial states. */
  @Override
  public Tensor apply(Params p, Tensor x) {
    return run(p, x, null, null).output();
  }

  /** Output and final states; {@code h0}, {@code c0} {@code [1, (N,) H]} or null for zeros. */
  public Result run(Params p, Tensor x, Tensor h0, Tensor c0) {
    return Functional.lstm(x, h0, c0, p.weightIhL0(), p.weightHhL0(), p.biasIhL0(), p.biasHhL0());
  }
}
