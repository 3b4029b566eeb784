package org.vmap4j.compiler;

import java.util.Arrays;
import java.util.Map;
import org.vmap4j.interpreter.Params;
import org.vmap4j.ir.Equation;
import org.vmap4j.ir.Var;
import org.vmap4j.prim.ConvGeneralDilated;
import org.vmap4j.prim.Reshape;
import org.vmap4j.prim.Transpose;

/**
 * Recognizes the per-sample filter gradient of a convolution in a staged program: {@code G:[B, O,
 * C/groups, k...]}, with one window extent {@code k} per spatial dimension (1-d, 2-d and 3-d layers
 * alike; written below for 2-d). Without groups {@code vmap(grad)} stages it as one convolution
 * with the batch as feature groups, {@code Y = conv[feature_group_count=B](xT:[C, B, H, W],
 * δ':[B·O, 1, oh, ow])} ({@code [C, B·O, kh, kw]}: example {@code b}'s input channels correlated
 * with its own output gradients); with {@code G} groups of {@code c = C/G} channels as one with
 * batch groups, {@code Y = conv[batch_group_count=B·G](x':[B·C, 1, H, W], δ':[B·O, 1, oh, ow])}
 * ({@code [c, B·O, kh, kw]}: block {@code (b, g)} of the output channels reads example {@code b}'s
 * channels of group {@code g}). Either is reshaped to {@code [c, B, O, kh, kw]} and transposed by
 * {@code (1,2,0,3,4)} ({@code (1,2,0,3)} for 1-d, {@code (1,2,0,3,4,5)} for 3-d).
 */
final class PerSampleFilterGradients {
  private PerSampleFilterGradients() {}

  /**
   * The convolution {@code conv} of {@code inputs} (the input, channels first: {@code [C, B, H,
   * W]}; with groups, {@code [B·C, 1, H, W]}) with {@code gradients} ({@code [B·O, 1, oh, ow]}),
   * batch {@code B}, {@code O} outputs, the layer's feature {@code groups}.
   */
  record FilterGradient(
      Equation conv, Var inputs, Var gradients, int batch, int outputs, int groups) {
    /** {@code C}: the layer's input channels. */
    int channels() {
      return groups == 1 ? inputs.type().dim(0) : inputs.type().dim(0) / batch;
    }

    /** {@code [kh, kw]}: the filter's window. */
    int[] window() {
      int[] y = conv.outputs().get(0).type().shape(); // [C, B·O, kh, kw]
      return Arrays.copyOfRange(y, 2, y.length);
    }

    /** {@code [oh, ow]}: the layer's output positions. */
    int[] positions() {
      int[] d = gradients.type().shape(); // [B·O, 1, oh, ow]
      return Arrays.copyOfRange(d, 2, d.length);
    }

    /** {@code T = oh·ow}. */
    int positionCount() {
      int t = 1;
      for (int n : positions()) {
        t *= n;
      }
      return t;
    }

    /** {@code (C/groups)·kh·kw}: the length of one unfolded input patch of one group. */
    int patchLength() {
      int n = channels() / groups;
      for (int k : window()) {
        n *= k;
      }
      return n;
    }

    /**
     * The layer's own (forward) convolution, whose filter gradient this is: the filter-gradient
     * convolution moves its window (the output gradients) by the forward's filter dilation over
     * taps the forward's stride apart, so the two swap; the high padding is what gives the
     * forward's {@code [oh, ow]} output positions (the positions the window reaches are the same).
     */
    Params forwardParams() {
      Params p = conv.params();
      int[] forwardStrides = p.ints("rhs_dilation");
      int[] forwardDilation = p.ints("window_strides");
      int[] low = p.ints("padding_low");
      int[] lhsDilation = p.ints("lhs_dilation");
      int[] window = window();
      int[] positions = positions();
      int[] spatial = inputs.type().shape(); // [C, B, H, W] or [B·C, 1, H, W]
      int[] high = new int[window.length];
      for (int d = 0; d < high.length; d++) {
        high[d] =
            (positions[d] - 1) * forwardStrides[d]
                + dilated(window[d], forwardDilation[d])
                - dilated(spatial[d + 2], lhsDilation[d])
                - low[d];
      }
      return ConvGeneralDilated.params(
          forwardStrides, low, high, lhsDilation, forwardDilation, groups, 1);
    }
  }

  private static int dilated(int n, int dilation) {
    return n == 0 ? 0 : (n - 1) * dilation + 1;
  }

  /** The parts of {@code g}, or null when it is not this pattern. */
  static FilterGradient match(Var g, Map<Var, Equation> producer) {
    int rank = g.type().ndim();
    if (rank < 4) {
      return null;
    }
    int[] channelsAfterFilters = new int[rank]; // (1, 2, 0, 3, ...)
    channelsAfterFilters[0] = 1;
    channelsAfterFilters[1] = 2;
    for (int d = 3; d < rank; d++) {
      channelsAfterFilters[d] = d;
    }
    Equation t = producer.get(g);
    Equation conv;
    if (t != null
        && t.primitive() == Transpose.TRANSPOSE
        && Arrays.equals(t.params().ints("perm"), channelsAfterFilters)) {
      Equation r = producer.get(t.inputs().get(0));
      if (r == null || r.primitive() != Reshape.RESHAPE) {
        return null;
      }
      conv = producer.get(r.inputs().get(0));
    } else if (t != null && t.primitive() == Reshape.RESHAPE && g.type().dim(2) == 1) {
      // one input channel (per group): the simplifier makes the transpose of [1, B, O, kh, kw]
      // a reshape of [1, B·O, kh, kw]
      conv = producer.get(t.inputs().get(0));
      if (conv != null && conv.outputs().get(0).type().dim(0) != 1) {
        return null;
      }
    } else {
      return null;
    }
    return conv == null ? null : of(conv, g.type().dim(0), g.type().dim(1), g.type().dim(2));
  }

  /**
   * The parts of the per-sample filter gradient that {@code flat:[B, O, CK]} reshapes (what a
   * projection of the filters reads), or null. With one input channel per group the simplifier
   * folds the gradient's own reshape into this one, which then reads the convolution directly.
   */
  static FilterGradient matchFlattened(Var flat, Map<Var, Equation> producer) {
    Equation r = producer.get(flat);
    if (flat.type().ndim() != 3 || r == null || r.primitive() != Reshape.RESHAPE) {
      return null;
    }
    Var formed = r.inputs().get(0);
    FilterGradient g = match(formed, producer);
    if (g != null) {
      return g;
    }
    Equation conv = producer.get(formed);
    return conv != null && formed.type().dim(0) == 1
        ? of(conv, flat.type().dim(0), flat.type().dim(1), 1)
        : null;
  }

  /**
   * {@code conv} as the filter-gradient convolution of {@code b} examples, {@code o} filters and
   * {@code c} input channels per group, or null.
   */
  private static FilterGradient of(Equation conv, int b, int o, int c) {
    if (conv.primitive() != ConvGeneralDilated.CONV_GENERAL_DILATED) {
      return null;
    }
    Var lhs = conv.inputs().get(0);
    Var rhs = conv.inputs().get(1);
    if (lhs.type().ndim() < 3
        || rhs.type().ndim() != lhs.type().ndim()
        || rhs.type().dim(0) != b * o
        || rhs.type().dim(1) != 1) {
      return null;
    }
    int featureGroups = conv.params().integer("feature_group_count");
    int batchGroups = conv.params().integer("batch_group_count");
    if (featureGroups == b
        && batchGroups == 1
        && lhs.type().dim(1) == b
        && lhs.type().dim(0) == c) {
      return new FilterGradient(conv, lhs, rhs, b, o, 1);
    }
    int groups = batchGroups / b;
    if (featureGroups == 1
        && groups >= 1
        && batchGroups == b * groups
        && o % groups == 0
        && lhs.type().dim(0) == b * groups * c
        && lhs.type().dim(1) == 1) {
      return new FilterGradient(conv, lhs, rhs, b, o, groups);
    }
    return null; // another layout (e.g. a unit batch or channel axis): left as written
  }
}
