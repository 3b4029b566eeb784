package org.vmap4j.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.vmap4j.DType;
import org.vmap4j.TensorType;
import org.vmap4j.interpreter.Params;
import org.vmap4j.prim.BroadcastInDim;
import org.vmap4j.prim.Reduce;
import org.vmap4j.prim.Reshape;
import org.vmap4j.prim.Slice;
import org.vmap4j.prim.Transpose;

/**
 * The kernels that transpose, slice, broadcast_in_dim, the reductions and reshape state (the views
 * every backend renders instead of computing strides itself), read here by the documented meaning
 * of {@link View} and {@link KernelDescription} and compared with plain loops over multi-indices.
 */
class StridedViewsTest {
  /** x[i] = i + 1 over a row-major array of {@code shape}. */
  private static double[] iota(int n) {
    double[] x = new double[n];
    for (int i = 0; i < n; i++) {
      x[i] = i + 1;
    }
    return x;
  }

  /**
   * A kernel without scalar steps, read by definition: at each point c of the iteration space,
   * input 0 at {@code offset + sum c[d] * strides[d]} (the flat index when contiguous), combined
   * over the trailing reduced dimensions by the monoid.
   */
  private static double[] read(KernelDescription k, double[] x) {
    assertThat(k.steps()).isEmpty();
    assertThat(k.result()).isEqualTo("x0");
    View v = k.views().get(0);
    int[] shape = k.shape();
    int points = 1;
    for (int d : shape) {
      points *= d;
    }
    int reduced = 1;
    for (int d = shape.length - k.reducedDims(); d < shape.length; d++) {
      reduced *= shape[d];
    }
    double[] out = new double[points / reduced];
    java.util.Arrays.fill(out, k.reduce() == null ? 0 : k.reduce().identity());
    for (int flat = 0; flat < points; flat++) {
      int at = flat;
      if (!v.isContiguous()) {
        at = v.offset();
        int rest = flat;
        for (int d = shape.length - 1; d >= 0; d--) {
          at += (rest % shape[d]) * v.strides()[d];
          rest /= shape[d];
        }
      }
      int o = flat / reduced;
      out[o] =
          k.reduce() == null
              ? x[at]
              : switch (k.reduce()) {
                case SUM -> out[o] + x[at];
                case MAX -> Math.max(out[o], x[at]);
                case MIN -> Math.min(out[o], x[at]);
              };
    }
    return out;
  }

  private static KernelDescription kernel(KernelPrimitive p, int[] in, Params params, int[] out) {
    return p.kernel(
        new TensorType[] {new TensorType(DType.F64, in)}, params, new TensorType(DType.F64, out));
  }

  @Test
  void transposeReadsPermutedStrides() {
    double[] x = iota(24); // [2, 3, 4]
    double[] got =
        read(
            kernel(
                Transpose.TRANSPOSE,
                new int[] {2, 3, 4},
                Transpose.params(2, 0, 1),
                new int[] {4, 2, 3}),
            x);
    double[] want = new double[24];
    int n = 0;
    for (int a = 0; a < 4; a++) {
      for (int b = 0; b < 2; b++) {
        for (int c = 0; c < 3; c++) {
          want[n++] = x[b * 12 + c * 4 + a];
        }
      }
    }
    assertThat(got).containsExactly(want);
  }

  @Test
  void sliceReadsFromItsStartWithMultipliedStrides() {
    double[] x = iota(60); // [3, 4, 5]
    Params p = Slice.params(new int[] {1, 0, 1}, new int[] {3, 4, 5}, new int[] {1, 2, 2});
    double[] got = read(kernel(Slice.SLICE, new int[] {3, 4, 5}, p, new int[] {2, 2, 2}), x);
    double[] want = new double[8];
    int n = 0;
    for (int i = 0; i < 2; i++) {
      for (int j = 0; j < 2; j++) {
        for (int k = 0; k < 2; k++) {
          want[n++] = x[(1 + i) * 20 + 2 * j * 5 + 1 + 2 * k];
        }
      }
    }
    assertThat(got).containsExactly(want);
  }

  @Test
  void broadcastReadsStrideZeroAlongNewAndStretchedDimensions() {
    double[] x = iota(3); // [3, 1]
    int[] out = {2, 3, 4};
    Params p = BroadcastInDim.params(out, new int[] {1, 2});
    double[] got = read(kernel(BroadcastInDim.BROADCAST_IN_DIM, new int[] {3, 1}, p, out), x);
    double[] want = new double[24];
    int n = 0;
    for (int a = 0; a < 2; a++) {
      for (int b = 0; b < 3; b++) {
        for (int c = 0; c < 4; c++) {
          want[n++] = x[b];
        }
      }
    }
    assertThat(got).containsExactly(want);
  }

  @Test
  void reductionsOverInnerAxesMoveThemLast() {
    double[] x = iota(60); // [3, 4, 5]
    for (Reduce r : Reduce.values()) {
      double[] got = read(kernel(r, new int[] {3, 4, 5}, Reduce.params(2, 0), new int[] {4}), x);
      double[] want = new double[4];
      for (int j = 0; j < 4; j++) {
        double acc = r == Reduce.REDUCE_SUM ? 0 : x[j * 5];
        for (int i = 0; i < 3; i++) {
          for (int k = 0; k < 5; k++) {
            double v = x[i * 20 + j * 5 + k];
            acc =
                r == Reduce.REDUCE_SUM
                    ? acc + v
                    : r == Reduce.REDUCE_MAX ? Math.max(acc, v) : Math.min(acc, v);
          }
        }
        want[j] = acc;
      }
      assertThat(got).as(r.displayName()).containsExactly(want);
    }
  }

  @Test
  void reshapeIsAContiguousCopy() {
    KernelDescription k =
        kernel(Reshape.RESHAPE, new int[] {2, 6}, Reshape.params(3, 4), new int[] {3, 4});
    assertThat(k.views()).containsExactly(View.CONTIGUOUS);
    assertThat(read(k, iota(12))).containsExactly(iota(12));
  }
}
