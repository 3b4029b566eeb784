package org.vmap4j.nn;

import org.vmap4j.Tensor;

/**
 * Neural-network functions with {@code torch.nn.functional}'s names, argument order and PyTorch's
 * weight layouts. Each is a composition of core tensor operations, so it runs under every transform
 * ({@code vmap}, {@code grad}, {@code jit}, ...), and each accepts one unbatched example wherever
 * PyTorch does, which is what a function written for {@code vmap} sees. Bad arguments are {@link
 * IllegalArgumentException}s naming the function, the argument, and the expected and found shapes.
 */
public final class Functional {
  private Functional() {}

  // ---------------------------------------------------------------- activations

  /** {@code max(x, 0)} (derivative 0 at 0, as in PyTorch). */
  public static Tensor relu(Tensor input) {
    return Activations.relu(input);
  }

  /** The exact GELU, {@code x/2 (1 + erf(x / sqrt 2))} (PyTorch's default, approximate='none'). */
  public static Tensor gelu(Tensor input) {
    return Activations.gelu(input);
  }

  /** {@code x sigmoid(x)}. */
  public static Tensor silu(Tensor input) {
    return Activations.silu(input);
  }

  /** {@code log(1 + exp(x))}, stably; x itself above 20 as PyTorch (beta 1, threshold 20). */
  public static Tensor softplus(Tensor input) {
    return Activations.softplus(input, 1, 20);
  }

  /** {@code log(1 + exp(beta x)) / beta}, and x where {@code beta x > threshold}. */
  public static Tensor softplus(Tensor input, double beta, double threshold) {
    return Activations.softplus(input, beta, threshold);
  }

  /** {@code log(sigmoid(x))}, stably for large |x|. */
  public static Tensor logSigmoid(Tensor input) {
    return Activations.logSigmoid(input);
  }

  // ---------------------------------------------------------------- dense maps

  /**
   * {@code input @ weight^T + bias}: input {@code [..., in]}, weight {@code [out, in]}, bias {@code
   * [out]} or null.
   */
  public static Tensor linear(Tensor input, Tensor weight, Tensor bias) {
    return Dense.linear(input, weight, bias);
  }

  /**
   * The rows of weight {@code [num, dim]} at integer indices of any shape: {@code indices ++
   * [dim]}.
   */
  public static Tensor embedding(Tensor input, Tensor weight) {
    return Dense.embedding(input, weight);
  }

  // ---------------------------------------------------------------- losses

  /**
   * Cross entropy of class scores {@code [C]} (one example, 0-d target) or {@code [N, C, ...]}
   * against integer class indices ({@code []} or {@code [N, ...]}) or class probabilities (the
   * scores' shape); mean over examples.
   */
  public static Tensor crossEntropy(Tensor input, Tensor target) {
    return Losses.crossEntropy(input, target, Losses.DEFAULT_IGNORE_INDEX, Reduction.MEAN, 0);
  }

  public static Tensor crossEntropy(Tensor input, Tensor target, Reduction reduction) {
    return Losses.crossEntropy(input, target, Losses.DEFAULT_IGNORE_INDEX, reduction, 0);
  }

  /**
   * With label smoothing ε: the target becomes {@code (1-ε)} on the class plus {@code ε/C} on every
   * class, as PyTorch's {@code label_smoothing}.
   */
  public static Tensor crossEntropy(
      Tensor input, Tensor target, Reduction reduction, double labelSmoothing) {
    return Losses.crossEntropy(
        input, target, Losses.DEFAULT_IGNORE_INDEX, reduction, labelSmoothing);
  }

  /**
   * With PyTorch's {@code ignore_index} (-100 in every other overload): class-index targets equal
   * to it contribute nothing, and the mean is over the others.
   */
  public static Tensor crossEntropy(
      Tensor input, Tensor target, long ignoreIndex, Reduction reduction, double labelSmoothing) {
    return Losses.crossEntropy(input, target, ignoreIndex, reduction, labelSmoothing);
  }

  /** Negative log-likelihood of log-probabilities (shapes as {@link #crossEntropy}); mean. */
  public static Tensor nllLoss(Tensor input, Tensor target) {
    return Losses.nllLoss(input, target, Losses.DEFAULT_IGNORE_INDEX, Reduction.MEAN);
  }

  public static Tensor nllLoss(Tensor input, Tensor target, Reduction reduction) {
    return Losses.nllLoss(input, target, Losses.DEFAULT_IGNORE_INDEX, reduction);
  }

  /** With PyTorch's {@code ignore_index} (-100 in the other overloads). */
  public static Tensor nllLoss(Tensor input, Tensor target, long ignoreIndex, Reduction reduction) {
    return Losses.nllLoss(input, target, ignoreIndex, reduction);
  }

  /** Mean squared error; input and target of one shape. */
  public static Tensor mseLoss(Tensor input, Tensor target) {
    return Losses.mseLoss(input, target, Reduction.MEAN);
  }

  public static Tensor mseLoss(Tensor input, Tensor target, Reduction reduction) {
    return Losses.mseLoss(input, target, reduction);
  }

  /** Binary cross entropy of logits against targets in [0, 1] of the same shape, stably; mean. */
  public static Tensor binaryCrossEntropyWithLogits(Tensor input, Tensor target) {
    return Losses.binaryCrossEntropyWithLogits(input, target, Reduction.MEAN);
  }

  public static Tensor binaryCrossEntropyWithLogits(
      Tensor input, Tensor target, Reduction reduction) {
    return Losses.binaryCrossEntropyWithLogits(input, target, reduction);
  }

  // ---------------------------------------------------------------- normalization

  /**
   * Normalizes over the last {@code normalizedShape.length} dimensions (which must equal
   * normalizedShape); weight and bias of that shape, or null.
   */
  public static Tensor layerNorm(
      Tensor input, int[] normalizedShape, Tensor weight, Tensor bias, double eps) {
    return Normalization.layerNorm(input, normalizedShape, weight, bias, eps);
  }

  /** Input {@code [N, C, ...]}; statistics per example and group of C/numGroups channels. */
  public static Tensor groupNorm(
      Tensor input, int numGroups, Tensor weight, Tensor bias, double eps) {
    return Normalization.groupNorm(input, numGroups, weight, bias, eps);
  }

  /**
   * Batch normalization in evaluation mode: input {@code [N, C, ...]}, running statistics {@code
   * [C]}.
   */
  public static Tensor batchNorm(
      Tensor input, Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias, double eps) {
    return Normalization.batchNorm(input, runningMean, runningVar, weight, bias, false, 0.1, eps);
  }

  /**
   * PyTorch's full form. With {@code training}, the statistics are the batch's own (outside vmap
   * only: under vmap it is an error that points to groupNorm and evaluation mode). The functions
   * are pure: running statistics are never updated, so {@code momentum} is checked and unused.
   */
  public static Tensor batchNorm(
      Tensor input,
      Tensor runningMean,
      Tensor runningVar,
      Tensor weight,
      Tensor bias,
      boolean training,
      double momentum,
      double eps) {
    return Normalization.batchNorm(
        input, runningMean, runningVar, weight, bias, training, momentum, eps);
  }

  // ---------------------------------------------------------------- attention and dropout

  /**
   * {@code softmax(q k^T / sqrt(E)) v}; q {@code [..., L, E]}, k {@code [..., S, E]}, v {@code
   * [..., S, Ev]}; mask null or BOOL broadcastable to {@code [..., L, S]}, true where a query
   * attends.
   */
  public static Tensor scaledDotProductAttention(
      Tensor query, Tensor key, Tensor value, Tensor mask) {
    return Attention.scaledDotProductAttention(query, key, value, mask);
  }

  /**
   * Without training (or with p = 0) the input itself. Training needs random numbers, which in
   * vmap4j are keyed: use {@link #dropout(Tensor, double, boolean, long)}; here it is an error.
   */
  public static Tensor dropout(Tensor input, double p, boolean training) {
    return Dropout.dropoutWithoutSeed(input, p, training);
  }

  /**
   * Zeroes each element with probability p and scales the rest by 1/(1-p), from the random numbers
   * of {@code seed}; under vmap per the vmap's {@code Randomness} option.
   */
  public static Tensor dropout(Tensor input, double p, boolean training, long seed) {
    return Dropout.dropout(input, p, training, seed);
  }

  // ---------------------------------------------------------------- convolution and pooling

  /** {@code F.conv1d(input, weight)}: stride 1, no padding. */
  public static Tensor conv1d(Tensor input, Tensor weight) {
    return Convolutions.conv(1, input, weight, null, null, (int[]) null, null, 1);
  }

  /** {@code F.conv1d(input, weight, bias)}; {@code bias} may be null. */
  public static Tensor conv1d(Tensor input, Tensor weight, Tensor bias) {
    return Convolutions.conv(1, input, weight, bias, null, (int[]) null, null, 1);
  }

  /**
   * {@code F.conv1d}: input {@code [C, L]} or {@code [N, C, L]}, weight {@code [O, C / groups, K]},
   * bias {@code [O]} or null; {@code stride}, {@code padding} and {@code dilation} have one entry.
   */
  public static Tensor conv1d(
      Tensor input,
      Tensor weight,
      Tensor bias,
      int[] stride,
      int[] padding,
      int[] dilation,
      int groups) {
    return Convolutions.conv(1, input, weight, bias, stride, padding, dilation, groups);
  }

  /** {@code F.conv1d} with {@code padding="same"} or {@code "valid"}. */
  public static Tensor conv1d(
      Tensor input,
      Tensor weight,
      Tensor bias,
      int[] stride,
      String padding,
      int[] dilation,
      int groups) {
    return Convolutions.conv(1, input, weight, bias, stride, padding, dilation, groups);
  }

  /** {@code F.conv2d(input, weight)}: stride 1, no padding. */
  public static Tensor conv2d(Tensor input, Tensor weight) {
    return Convolutions.conv(2, input, weight, null, null, (int[]) null, null, 1);
  }

  /** {@code F.conv2d(input, weight, bias)}; {@code bias} may be null. */
  public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias) {
    return Convolutions.conv(2, input, weight, bias, null, (int[]) null, null, 1);
  }

  /**
   * {@code F.conv2d}: input {@code [C, H, W]} or {@code [N, C, H, W]}, weight {@code [O, C /
   * groups, kH, kW]}, bias {@code [O]} or null; {@code stride}, {@code padding} and {@code
   * dilation} have one entry (both dimensions) or two; null means PyTorch's default (1, 0, 1).
   */
  public static Tensor conv2d(
      Tensor input,
      Tensor weight,
      Tensor bias,
      int[] stride,
      int[] padding,
      int[] dilation,
      int groups) {
    return Convolutions.conv(2, input, weight, bias, stride, padding, dilation, groups);
  }

  /**
   * {@code F.conv2d} with {@code padding="valid"} (none) or {@code "same"} (the output keeps the
   * input's size; stride 1 only, as in PyTorch; an odd total padding puts the extra element after).
   */
  public static Tensor conv2d(
      Tensor input,
      Tensor weight,
      Tensor bias,
      int[] stride,
      String padding,
      int[] dilation,
      int groups) {
    return Convolutions.conv(2, input, weight, bias, stride, padding, dilation, groups);
  }

  /**
   * {@code F.conv3d}: input {@code [C, D, H, W]} or {@code [N, C, D, H, W]}, weight {@code [O, C /
   * groups, kD, kH, kW]}, bias {@code [O]} or null; {@code stride}, {@code padding} and {@code
   * dilation} have one entry (every dimension) or three; null means PyTorch's default (1, 0, 1).
   */
  public static Tensor conv3d(
      Tensor input,
      Tensor weight,
      Tensor bias,
      int[] stride,
      int[] padding,
      int[] dilation,
      int groups) {
    return Convolutions.conv(3, input, weight, bias, stride, padding, dilation, groups);
  }

  /** {@code F.conv3d} with {@code padding="same"} (stride 1 only) or {@code "valid"}. */
  public static Tensor conv3d(
      Tensor input,
      Tensor weight,
      Tensor bias,
      int[] stride,
      String padding,
      int[] dilation,
      int groups) {
    return Convolutions.conv(3, input, weight, bias, stride, padding, dilation, groups);
  }

  /** {@code F.max_pool2d(input, kernel_size)}: stride = kernel, no padding. */
  public static Tensor maxPool2d(Tensor input, int[] kernel) {
    return Convolutions.maxPool2d(input, kernel, null, null);
  }

  /**
   * {@code F.max_pool2d(input, kernel_size, stride, padding)} on {@code [C, H, W]} or {@code [N, C,
   * H, W]}: padding counts as -inf, at most half the kernel; stride null means the kernel size. The
   * gradient goes to the first maximum of each window on ties, as PyTorch's.
   */
  public static Tensor maxPool2d(Tensor input, int[] kernel, int[] stride, int[] padding) {
    return Convolutions.maxPool2d(input, kernel, stride, padding);
  }

  /**
   * {@code F.max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode)}: as {@link
   * #maxPool2d(Tensor, int[], int[], int[])} with the window's taps {@code dilation} apart (null
   * means 1) and, with {@code ceilMode}, the output size rounded up (a last window that would start
   * in the right padding is dropped, as in PyTorch).
   */
  public static Tensor maxPool2d(
      Tensor input, int[] kernel, int[] stride, int[] padding, int[] dilation, boolean ceilMode) {
    return Convolutions.maxPool2d(input, kernel, stride, padding, dilation, ceilMode);
  }

  /** {@code F.avg_pool2d(input, kernel_size)}: stride = kernel, no padding. */
  public static Tensor avgPool2d(Tensor input, int[] kernel) {
    return Convolutions.avgPool2d(input, kernel, null, null);
  }

  /**
   * {@code F.avg_pool2d(input, kernel_size, stride, padding)} with PyTorch's defaults {@code
   * count_include_pad=True}, {@code ceil_mode=False}: every window's sum divided by the kernel
   * area, padding counted as zeros.
   */
  public static Tensor avgPool2d(Tensor input, int[] kernel, int[] stride, int[] padding) {
    return Convolutions.avgPool2d(input, kernel, stride, padding);
  }

  /**
   * {@code F.avg_pool2d(input, kernel_size, stride, padding, ceil_mode, count_include_pad)}: each
   * window's sum divided by the cells it covers of the padded input ({@code countIncludePad}, the
   * padding counted as zeros) or of the input alone; the windows that {@code ceilMode} adds over
   * the right edge count only what they cover of the padded input, as in PyTorch.
   */
  public static Tensor avgPool2d(
      Tensor input,
      int[] kernel,
      int[] stride,
      int[] padding,
      boolean ceilMode,
      boolean countIncludePad) {
    return Convolutions.avgPool2d(input, kernel, stride, padding, ceilMode, countIncludePad);
  }

  /**
   * {@code F.adaptive_avg_pool2d(input, output_size)}: output cell (i, j) averages input rows
   * {@code floor(i H / oH)} to {@code ceil((i + 1) H / oH)} (exclusive) and likewise columns.
   */
  public static Tensor adaptiveAvgPool2d(Tensor input, int[] outputSize) {
    return Convolutions.adaptiveAvgPool2d(input, outputSize);
  }

  // ---------------------------------------------------------------- recurrent layers

  /**
   * {@code torch.nn.LSTM} with one layer, time first, as a function: input {@code [T, I]} (one
   * sequence) or {@code [T, N, I]}; {@code h0}, {@code c0} {@code [1, H]} or {@code [1, N, H]}, or
   * null for zeros; weights in PyTorch's layout ({@code weightIh [4H, I]}, {@code weightHh [4H,
   * H]}, biases {@code [4H]} or null) and gate order (input, forget, cell, output). Returns the
   * output sequence {@code [T, (N,) H]} and the final states {@code [1, (N,) H]}. A {@link
   * org.vmap4j.Func#scan} over time: jit compiles one step into a loop.
   */
  public static Lstm.Result lstm(
      Tensor input,
      Tensor h0,
      Tensor c0,
      Tensor weightIh,
      Tensor weightHh,
      Tensor biasIh,
      Tensor biasHh) {
    return Recurrent.lstm(input, h0, c0, weightIh, weightHh, biasIh, biasHh);
  }

  /**
   * {@code torch.nn.GRU} with one layer, time first, as a function: as {@link #lstm} without the
   * cell state, weights {@code [3H, ...]} with gates in PyTorch's order (reset, update, new; the
   * reset gate scales {@code W_hn h + b_hn}). Returns the output sequence and the final state.
   */
  public static Gru.Result gru(
      Tensor input, Tensor h0, Tensor weightIh, Tensor weightHh, Tensor biasIh, Tensor biasHh) {
    return Recurrent.gru(input, h0, weightIh, weightHh, biasIh, biasHh);
  }
}
