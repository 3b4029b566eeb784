package org.vmap4j.prim;

import java.util.Arrays;
import org.vmap4j.Tensor;
import org.vmap4j.TensorType;
import org.vmap4j.cpu.Convolution;
import org.vmap4j.cpu.CpuTensor;
import org.vmap4j.interpreter.BatchRules;
import org.vmap4j.interpreter.Batched;
import org.vmap4j.interpreter.Interpreters;
import org.vmap4j.interpreter.Params;
import org.vmap4j.interpreter.Shapes;
import org.vmap4j.interpreter.SingleResultPrimitive;
import org.vmap4j.interpreter.Tangents;

/**
 * N-dimensional convolution (cross-correlation, as in deep-learning libraries) in PyTorch's layout:
 * lhs {@code [N, C, s_1..s_D]}, rhs {@code [O, C / feature_group_count, k_1..k_D]}, result {@code
 * [N / batch_group_count, O, y_1..y_D]}.
 *
 * <p>Along spatial dimension d the lhs is first dilated (its elements {@code lhs_dilation[d]}
 * apart, zeros between), then padded with {@code padding_low[d]} zeros before and {@code
 * padding_high[d]} after (negative padding crops), and the window, its taps {@code rhs_dilation[d]}
 * apart, moves by {@code window_strides[d]}: {@code y_d = floor((dilated + low + high -
 * dilated_window) / stride) + 1}.
 *
 * <p>{@code feature_group_count = G} splits the lhs channels and the result channels into G
 * consecutive blocks, block g of the result seeing only block g of the input (G = C is depthwise).
 * {@code batch_group_count = B} splits the lhs batch into B consecutive blocks and the result
 * channels into B blocks, block b of the result channels reading only the examples of batch block
 * b; it is what the filter gradient of a feature-grouped convolution needs, and what vmap over a
 * batched filter of a batch-grouped one produces. At most one of the two counts exceeds 1.
 */
public enum ConvGeneralDilated implements SingleResultPrimitive {
  CONV_GENERAL_DILATED;

  public static Params params(
      int[] windowStrides,
      int[] paddingLow,
      int[] paddingHigh,
      int[] lhsDilation,
      int[] rhsDilation,
      int featureGroupCount,
      int batchGroupCount) {
    return Params.of(
        "window_strides", windowStrides,
        "padding_low", paddingLow,
        "padding_high", paddingHigh,
        "lhs_dilation", lhsDilation,
        "rhs_dilation", rhsDilation,
        "feature_group_count", featureGroupCount,
        "batch_group_count", batchGroupCount);
  }

  /** The parameters of one application, decoded. */
  record Conv(
      int[] strides, int[] low, int[] high, int[] lhsDil, int[] rhsDil, int groups, int batches) {
    static Conv of(Params p) {
      return new Conv(
          p.ints("window_strides"),
          p.ints("padding_low"),
          p.ints("padding_high"),
          p.ints("lhs_dilation"),
          p.ints("rhs_dilation"),
          p.integer("feature_group_count"),
          p.integer("batch_group_count"));
    }

    Params params() {
      return ConvGeneralDilated.params(strides, low, high, lhsDil, rhsDil, groups, batches);
    }

    Conv withGroups(int featureGroups, int batchGroups) {
      return new Conv(strides, low, high, lhsDil, rhsDil, featureGroups, batchGroups);
    }

    Tensor apply(Tensor lhs, Tensor rhs) {
      return Interpreters.bind1(CONV_GENERAL_DILATED, params(), lhs, rhs);
    }
  }

  /** Extent of {@code n} elements placed {@code dilation} apart (0 for none). */
  static int dilated(int n, int dilation) {
    return n == 0 ? 0 : (n - 1) * dilation + 1;
  }

  @Override
  public TensorType inferType(TensorType[] in, Params p) {
    Binary.requireArity("conv_general_dilated", in, 2);
    TensorType lhs = in[0];
    TensorType rhs = in[1];
    if (lhs.dtype() != rhs.dtype() || !lhs.dtype().isFloating()) {
      throw new IllegalArgumentException(
          "conv_general_dilated: operands must share a floating dtype, got " + lhs + " and " + rhs);
    }
    if (lhs.ndim() < 3 || lhs.ndim() != rhs.ndim()) {
      throw new IllegalArgumentException(
          "conv_general_dilated: lhs [N, C, spatial...] and rhs [O, C/groups, window...] need the"
              + " same rank of at least 3, got "
              + lhs
              + " and "
              + rhs);
    }
    Conv c = Conv.of(p);
    int dims = lhs.ndim() - 2;
    for (int[] a : new int[][] {c.strides, c.low, c.high, c.lhsDil, c.rhsDil}) {
      if (a.length != dims) {
        throw new IllegalArgumentException(
            "conv_general_dilated: " + p + " needs one entry per spatial dimension (" + dims + ")");
      }
    }
    for (int d = 0; d < dims; d++) {
      if (c.strides[d] < 1 || c.lhsDil[d] < 1 || c.rhsDil[d] < 1) {
        throw new IllegalArgumentException(
            "conv_general_dilated: strides and dilations must be positive, got " + p);
      }
      if (rhs.dim(d + 2) < 1) {
        throw new IllegalArgumentException(
            "conv_general_dilated: window dimension " + d + " of " + rhs + " is empty");
      }
    }
    if (c.groups < 1 || c.batches < 1 || (c.groups > 1 && c.batches > 1)) {
      throw new IllegalArgumentException(
          "conv_general_dilated: group counts must be positive and not both above 1, got " + p);
    }
    int n = lhs.dim(0);
    int channels = lhs.dim(1);
    int outChannels = rhs.dim(0);
    if (channels % c.groups != 0 || rhs.dim(1) * c.groups != channels) {
      throw new IllegalArgumentException(
          "conv_general_dilated: lhs "
              + lhs
              + " has "
              + channels
              + " channels; with feature_group_count "
              + c.groups
              + " the rhs must have "
              + (channels % c.groups == 0 ? String.valueOf(channels / c.groups) : "(indivisible)")
              + " input channels (dimension 1), got "
              + rhs);
    }
    if (outChannels % (c.groups * c.batches) != 0 || n % c.batches != 0) {
      throw new IllegalArgumentException(
          "conv_general_dilated: the rhs output channels ("
              + outChannels
              + ") must divide by the group count and the lhs batch ("
              + n
              + ") by batch_group_count, got "
              + p);
    }
    int[] shape = new int[lhs.ndim()];
    shape[0] = n / c.batches;
    shape[1] = outChannels;
    for (int d = 0; d < dims; d++) {
      int span =
          dilated(lhs.dim(d + 2), c.lhsDil[d])
              + c.low[d]
              + c.high[d]
              - dilated(rhs.dim(d + 2), c.rhsDil[d]);
      shape[d + 2] = span < 0 ? 0 : span / c.strides[d] + 1;
    }
    return lhs.withShape(shape);
  }

  @Override
  public CpuTensor evaluate(CpuTensor[] in, Params p, TensorType out) {
    Conv c = Conv.of(p);
    return Convolution.evaluate(
        in[0],
        in[1],
        new Convolution.Geometry(c.strides, c.low, c.lhsDil, c.rhsDil, c.groups, c.batches),
        out);
  }

  /**
   * Never a loop over examples: a batched lhs folds its batch into the lhs batch dimension (inside
   * each batch group); a batched rhs folds into the output channels (inside each group); both
   * batched become extra feature groups (or batch groups), one per example.
   */
  @Override
  public Batched batch(Tensor[] args, int[] dims, Params p, int size) {
    Conv c = Conv.of(p);
    boolean lm = dims[0] != BatchRules.NOT_MAPPED;
    boolean rm = dims[1] != BatchRules.NOT_MAPPED;
    Tensor lhs = lm ? BatchRules.atFront(args[0], dims[0]) : args[0];
    Tensor rhs = rm ? BatchRules.atFront(args[1], dims[1]) : args[1];
    if (lm && rm) {
      // rhs [V, O, ...] -> [V*O, ...]: example v's filters form groups v*G .. v*G+G-1
      Tensor w = mergeFront(rhs);
      Tensor out;
      if (c.batches > 1) {
        // lhs [V, N, ...] -> [V*N, ...]: example v's batch blocks follow each other
        out = c.withGroups(1, c.batches * size).apply(mergeFront(lhs), w);
      } else {
        // lhs [V, N, C, ...] -> [N, V*C, ...]
        Tensor x = BatchRules.moveAxis(lhs, 0, 1);
        out = c.withGroups(c.groups * size, 1).apply(mergeFront(x, 1), w);
      }
      return Batched.of(splitAxis(out, 1, size), 1);
    }
    if (lm) {
      if (c.batches == 1) {
        // lhs [V, N, ...] -> [V*N, ...]
        Tensor out = c.apply(mergeFront(lhs), rhs);
        return Batched.of(splitAxis(out, 0, size), 0);
      }
      // the batch groups must stay outermost: [V, B*n, ...] -> [B, V, n, ...] -> [B*V*n, ...]
      int[] s = lhs.shape();
      int per = s[1] / c.batches;
      Tensor x = splitAxis(lhs, 1, c.batches); // [V, B, n, ...]
      x = BatchRules.moveAxis(x, 1, 0); // [B, V, n, ...]
      x = mergeFront(mergeFront(x, 1)); // [B*V*n, ...]
      Tensor out = c.apply(x, rhs); // [V*n, O, ...]
      return Batched.of(out.reshape(Shapes.concat(new int[] {size, per}, rest(out, 1))), 0);
    }
    int groups = c.groups * c.batches;
    if (groups == 1) {
      // rhs [V, O, ...] -> [V*O, ...]
      Tensor out = c.apply(lhs, mergeFront(rhs));
      return Batched.of(splitAxis(out, 1, size), 1);
    }
    // the groups must stay outermost: rhs [V, G*o, ...] -> [G, V, o, ...] -> [G*V*o, ...]
    Tensor w = splitAxis(rhs, 1, groups); // [V, G, o, ...]
    w = BatchRules.moveAxis(w, 1, 0); // [G, V, o, ...]
    w = mergeFront(mergeFront(w, 1));
    Tensor out = c.apply(lhs, w); // [N', G*V*o, ...]
    int perGroup = dim(rhs, 1) / groups;
    Tensor y =
        out.reshape(Shapes.concat(new int[] {dim(out, 0), groups, size, perGroup}, rest(out, 2)));
    y = BatchRules.moveAxis(y, 2, 1); // [N', V, G, o, ...]
    y = y.reshape(Shapes.concat(new int[] {dim(out, 0), size, groups * perGroup}, rest(out, 2)));
    return Batched.of(y, 1);
  }

  /** Dimensions 0 and 1 merged into one. */
  private static Tensor mergeFront(Tensor x) {
    return mergeFront(x, 0);
  }

  /** Dimensions {@code d} and {@code d + 1} merged into one. */
  private static Tensor mergeFront(Tensor x, int d) {
    int[] s = x.shape();
    int[] shape = new int[s.length - 1];
    for (int i = 0, j = 0; i < s.length; i++) {
      if (i == d + 1) {
        shape[j - 1] *= s[i];
      } else {
        shape[j++] = s[i];
      }
    }
    return x.reshape(shape);
  }

  /** Dimension {@code d} split into {@code [outer, dim / outer]}. */
  private static Tensor splitAxis(Tensor x, int d, int outer) {
    int[] s = x.shape();
    int[] shape = new int[s.length + 1];
    for (int i = 0, j = 0; i < s.length; i++) {
      if (i == d) {
        shape[j++] = outer;
        shape[j++] = s[i] / outer;
      } else {
        shape[j++] = s[i];
      }
    }
    return x.reshape(shape);
  }

  /** The dimensions of {@code x} from {@code from} on. */
  private static int[] rest(Tensor x, int from) {
    return Arrays.copyOfRange(x.shape(), from, x.ndim());
  }

  /** Bilinear: {@code conv(dlhs, rhs) + conv(lhs, drhs)}. */
  @Override
  public Tensor jvp(Tensor[] primals, Tensor[] tangents, Tensor output, Params p) {
    Tensor left = tangents[0] == null ? null : Interpreters.bind1(this, p, tangents[0], primals[1]);
    Tensor right =
        tangents[1] == null ? null : Interpreters.bind1(this, p, primals[0], tangents[1]);
    return Tangents.add(left, right);
  }

  /**
   * Both cotangents are convolutions again (so they differentiate and batch in turn): the lhs one
   * correlates the stride-dilated cotangent with the flipped filters, channels transposed within
   * each group; the rhs one correlates the lhs with the cotangent, batch and channels swapped, the
   * forward's feature groups becoming batch groups and its batch groups feature groups.
   */
  @Override
  public Tensor[] vjp(Tensor[] primals, Tensor output, Tensor ct, Params p) {
    Conv c = Conv.of(p);
    Tensor lhs = primals[0];
    Tensor rhs = primals[1];
    if (ct.size() == 0) {
      // an empty result: nothing flows back (and a zero-extent window is not a convolution)
      return new Tensor[] {
        Tensor.zeros(lhs.dtype(), lhs.shape()), Tensor.zeros(rhs.dtype(), rhs.shape())
      };
    }
    return new Tensor[] {lhsCotangent(c, lhs.shape(), rhs, ct), rhsCotangent(c, lhs, rhs, ct)};
  }

  private static Tensor lhsCotangent(Conv c, int[] lhsShape, Tensor rhs, Tensor ct) {
    int dims = lhsShape.length - 2;
    int groups = c.groups * c.batches;
    int[] window = rest(rhs, 2);
    int[] outSize = rest(ct, 2);
    int[] low = new int[dims];
    int[] high = new int[dims];
    for (int d = 0; d < dims; d++) {
      int reach = dilated(window[d], c.rhsDil[d]) - 1;
      low[d] = reach - c.low[d];
      // chosen so that the result has exactly the lhs's extent
      high[d] =
          dilated(lhsShape[d + 2], c.lhsDil[d])
              + reach
              - dilated(outSize[d], c.strides[d])
              - low[d];
    }
    // filters [G*o, c, k...] -> [G*c, o, flipped k...]
    int o = dim(rhs, 0) / groups;
    int channels = dim(rhs, 1);
    Tensor w = rhs.reshape(Shapes.concat(new int[] {groups, o, channels}, window));
    w = BatchRules.moveAxis(w, 2, 1);
    w = w.reshape(Shapes.concat(new int[] {groups * channels, o}, window));
    w = flipSpatial(w);
    Conv t = new Conv(c.lhsDil, low, high, c.strides, c.rhsDil, groups, 1);
    Tensor dx = t.apply(ct, w); // [N', G*c, s...] (for feature groups G*c = C)
    if (c.batches == 1) {
      return dx;
    }
    // batch groups: channel block b of the result belongs to example block b
    Tensor y = splitAxis(dx, 1, c.batches); // [n, B, C, s...]
    y = BatchRules.moveAxis(y, 1, 0); // [B, n, C, s...]
    return mergeFront(y);
  }

  private static Tensor rhsCotangent(Conv c, Tensor lhs, Tensor rhs, Tensor ct) {
    int dims = lhs.ndim() - 2;
    int[] window = rest(rhs, 2);
    int[] outSize = rest(ct, 2);
    int[] high = new int[dims];
    for (int d = 0; d < dims; d++) {
      high[d] =
          dilated(window[d], c.rhsDil[d])
              + dilated(outSize[d], c.strides[d])
              - dilated(dim(lhs, d + 2), c.lhsDil[d])
              - c.low[d]
              - 1;
    }
    // batch and channels swap roles: lhs [N, C, s...] -> [C, N, s...], ct [n, O, y...] -> [O, n,
    // y...]; the window now moves by the forward's rhs dilation over taps stride apart
    Tensor x = BatchRules.moveAxis(lhs, 1, 0);
    Tensor g = BatchRules.moveAxis(ct, 1, 0);
    Conv t = new Conv(c.rhsDil, c.low, high, c.lhsDil, c.strides, c.batches, c.groups);
    Tensor dw = t.apply(x, g); // [C/G, O, k...]
    return BatchRules.moveAxis(dw, 1, 0);
  }

  /** Every spatial dimension (2..) reversed. */
  private static Tensor flipSpatial(Tensor w) {
    Tensor out = w;
    for (int d = 2; d < w.ndim(); d++) {
      int n = dim(w, d);
      if (n > 1) {
        long[] reversed = new long[n];
        for (int i = 0; i < n; i++) {
          reversed[i] = n - 1 - i;
        }
        out = out.index(d, Tensor.of(reversed, n));
      }
    }
    return out;
  }

  private static int dim(Tensor t, int d) {
    return t.shape()[d];
  }
}
