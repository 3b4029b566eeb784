package org.vmap4j.nn;

import org.vmap4j.DType;
import org.vmap4j.Tensor;

/**
 * A one-layer, one-direction GRU as PyTorch's {@code nn.GRU(inputSize, hiddenSize)} (time first):
 * its parameters carry {@code nn.GRU}'s state-dict names, so its weights load from safetensors.
 * {@link #apply} returns the output sequence; {@link #run} also the final state.
 */
public record Gru(int inputSize, int hiddenSize) implements Layer<Gru.Params> {

  /**
   * {@code weight_ih_l0 [3H, I]}, {@code weight_hh_l0 [3H, H]}, {@code bias_ih_l0}, {@code
   * bias_hh_l0 [3H]}; gates in the order reset, update, new.
   */
  public record Params(Tensor weightIhL0, Tensor weightHhL0, Tensor biasIhL0, Tensor biasHhL0) {}

  /**
   * What {@link Functional#gru} returns, as PyTorch's {@code output, h_n}: {@code output} {@code
   * [T, H]} or {@code [T, N, H]}, {@code h} the final state {@code [1, H]} or {@code [1, N, H]}.
   */
  public record Result(Tensor output, Tensor h) {}

  /** PyTorch's default: every parameter from U(-1/sqrt(H), 1/sqrt(H)). */
  @Override
  public Params init(long seed, DType dtype) {
    double b = 1 / Math.sqrt(hiddenSize);
    int g = 3 * hiddenSize;
    return new Params(
        Init.uniform(Init.split(seed, 0), dtype, b, g, inputSize),
        Init.uniform(Init.split(seed, 1), dtype, b, g, hiddenSize),
        Init.uniform(Init.split(seed, 2), dtype, b, g),
        Init.uniform(Init.split(seed, 3), dtype, b, g));
  }

  /** The output sequence from a zero initial state. */
  @Override
  public Tensor apply(Params p, Tensor x) {
    return run(p, x, null).output();
  }

  /** Output and final state; {@code h0} {@code [1, (N,) H]} or null for zeros. */
  public Result run(Params p, Tensor x, Tensor h0) {
    return Functional.gru(x, h0, p.weightIhL0(), p.weightHhL0(), p.biasIhL0(), p.biasHhL0());
  }
}
