package org.vmap4j.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.vmap4j.DType;
import org.vmap4j.TensorType;
import org.vmap4j.interpreter.Params;
import org.vmap4j.prim.Argmax;
import org.vmap4j.prim.Concatenate;
import org.vmap4j.prim.Gather;
import org.vmap4j.prim.Pad;
import org.vmap4j.prim.ScatterAdd;

/**
 * The cache of prepared kernels that the eager gather, pad, concatenate, scatter_add and argmax
 * share: calls that differ only in their parameters, or only in their operand types, alternate back
 * to back (so each kernel is found in the cache on its second and later calls) and each result is
 * checked against a plain loop written here; a key missing either would hand one call the other's
 * kernel.
 */
class PreparedKernelsTest {
  private static final double[] X9 = {3, 9, 1, 4, 2, 8, 7, 5, 6}; // [[3,9,1],[4,2,8],[7,5,6]]

  /** Same operand types, different parameters: each primitive, three rounds of alternation. */
  @Test
  void sameTypesDifferentParamsBackToBack() {
    CpuTensor x = CpuTensor.wrap(DType.F64, X9.clone(), 3, 3);
    CpuTensor v = CpuTensor.wrap(DType.F64, new double[] {1, 2, 3}, 3);
    CpuTensor idx = CpuTensor.wrap(DType.I32, new int[] {2, 0, 2}, 3);
    CpuTensor updates =
        CpuTensor.wrap(DType.F64, new double[] {10, 20, 30, 40, 50, 60, 70, 80, 90}, 3, 3);
    for (int round = 0; round < 3; round++) {
      // pad f64[3] -> f64[4]: one before, or one after; the padding value differs too
      assertThat(values(pad(v, 1, 0, 0.5))).containsExactly(0.5, 1, 2, 3);
      assertThat(values(pad(v, 0, 1, 0.5))).containsExactly(1, 2, 3, 0.5);
      assertThat(values(pad(v, 1, 0, -1))).containsExactly(-1, 1, 2, 3);
      // argmax of f64[3,3] along each axis: both give an i64[3]
      assertThat(indices(argmax(x, 0))).containsExactly(2, 0, 1);
      assertThat(indices(argmax(x, 1))).containsExactly(1, 2, 0);
      // gather f64[3,3] by i32[3] along each axis: both give f64[3,3]
      assertThat(values(gather(x, idx, 0)))
          .containsExactly(plainGather(X9, new int[] {2, 0, 2}, 0));
      assertThat(values(gather(x, idx, 1)))
          .containsExactly(plainGather(X9, new int[] {2, 0, 2}, 1));
      // scatter_add of f64[3,3] updates by i32[3] along each axis: both give f64[3,3]
      assertThat(values(scatterAdd(x, idx, updates, 0)))
          .containsExactly(plainScatterAdd(X9, new int[] {2, 0, 2}, values(updates), 0));
      assertThat(values(scatterAdd(x, idx, updates, 1)))
          .containsExactly(plainScatterAdd(X9, new int[] {2, 0, 2}, values(updates), 1));
    }
  }

  /** Same parameters and result type, different operand types (shapes, dtype). */
  @Test
  void sameParamsDifferentOperandTypesBackToBack() {
    CpuTensor two = CpuTensor.wrap(DType.F64, new double[] {1, 2}, 2);
    CpuTensor three = CpuTensor.wrap(DType.F64, new double[] {3, 4, 5}, 3);
    CpuTensor x32 = CpuTensor.wrap(DType.F32, new float[] {1, 5, 2, 7, 0, 3}, 2, 3);
    CpuTensor x64 = CpuTensor.wrap(DType.F64, new double[] {9, 5, 2, 0, 0, 3}, 2, 3);
    CpuTensor rows5 = CpuTensor.wrap(DType.F64, new double[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, 5, 2);
    CpuTensor rows3 = CpuTensor.wrap(DType.F64, new double[] {0, 1, 2, 3, 4, 5}, 3, 2);
    CpuTensor highIndex = CpuTensor.wrap(DType.I32, new int[] {4, 0}, 2);
    for (int round = 0; round < 3; round++) {
      // concatenate f64[2] ++ f64[3] and f64[3] ++ f64[2]: both f64[5]
      assertThat(values(concatenate(two, three))).containsExactly(1, 2, 3, 4, 5);
      assertThat(values(concatenate(three, two))).containsExactly(3, 4, 5, 1, 2);
      // argmax along axis 1 of f32[2,3] and f64[2,3]: both i64[2]
      assertThat(indices(argmax(x32, 1))).containsExactly(1, 0);
      assertThat(indices(argmax(x64, 1))).containsExactly(0, 2);
      // gather of rows 4 and 0 from f64[5,2] and from f64[3,2]: both f64[2,2]; 4 is out of range
      // of the second, whose bound only its own operand type gives
      assertThat(values(gather(rows5, highIndex, 0))).containsExactly(8, 9, 0, 1);
      assertThatThrownBy(() -> gather(rows3, highIndex, 0))
          .isInstanceOf(IndexOutOfBoundsException.class)
          .hasMessageContaining("index 4")
          .hasMessageContaining("outside [0, 3)");
    }
  }

  /** A repeated call is served from the cache; a call with new parameters prepares a kernel. */
  @Test
  void aRepeatedCallPreparesNothing() {
    CpuTensor v = CpuTensor.wrap(DType.F64, new double[] {1, 2, 3}, 3);
    double fresh = 1234.5678; // a padding value no other test uses: a key not seen before
    long before = PreparedKernels.preparedCount();
    pad(v, 2, 0, fresh);
    assertThat(PreparedKernels.preparedCount()).isEqualTo(before + 1);
    assertThat(values(pad(v, 2, 0, fresh))).containsExactly(fresh, fresh, 1, 2, 3);
    assertThat(values(pad(CpuTensor.wrap(DType.F64, new double[] {7, 8, 9}, 3), 2, 0, fresh)))
        .containsExactly(fresh, fresh, 7, 8, 9);
    assertThat(PreparedKernels.preparedCount()).isEqualTo(before + 1);
    pad(v, 2, 0, fresh + 1);
    assertThat(PreparedKernels.preparedCount()).isEqualTo(before + 2);
  }

  /**
   * More distinct calls than the bound: the cache stays within it, and every call (including those
   * after it was emptied) still computes its own pad.
   */
  @Test
  void staysBoundedAndCorrectPastItsBound() {
    CpuTensor v = CpuTensor.wrap(DType.F64, new double[] {1, 2}, 2);
    for (int i = 0; i < PreparedKernels.MAX_KERNELS + 50; i++) {
      double value = -1e6 - i;
      assertThat(values(pad(v, 0, 1, value))).containsExactly(1, 2, value);
      assertThat(PreparedKernels.size()).isLessThanOrEqualTo(PreparedKernels.MAX_KERNELS);
    }
  }

  /** Threads running different pads of the same operand at once each get their own result. */
  @Test
  void concurrentCallsWithDifferentParamsGetTheirOwnKernels() throws Exception {
    CpuTensor v = CpuTensor.wrap(DType.F64, new double[] {1, 2, 3}, 3);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int low = t;
        done.add(
            pool.submit(
                () -> {
                  for (int k = 0; k < 2000; k++) {
                    double value = k % 3 - 7.0; // three values; each thread its own low
                    double[] want = new double[3 + low];
                    java.util.Arrays.fill(want, 0, low, value);
                    want[low] = 1;
                    want[low + 1] = 2;
                    want[low + 2] = 3;
                    assertThat(values(pad(v, low, 0, value))).containsExactly(want);
                  }
                  return null;
                }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
  }

  private static CpuTensor pad(CpuTensor x, int low, int high, double value) {
    Params p = Pad.params(new int[] {low}, new int[] {high}, new int[] {0}, value);
    TensorType out = Pad.PAD.inferType(new TensorType[] {x.type()}, p);
    return Pad.PAD.evaluate(new CpuTensor[] {x}, p, out);
  }

  private static CpuTensor concatenate(CpuTensor... xs) {
    Params p = Concatenate.params(0);
    TensorType[] types = new TensorType[xs.length];
    for (int i = 0; i < xs.length; i++) {
      types[i] = xs[i].type();
    }
    return Concatenate.CONCATENATE.evaluate(xs, p, Concatenate.CONCATENATE.inferType(types, p));
  }

  private static CpuTensor argmax(CpuTensor x, int axis) {
    Params p = Argmax.params(axis);
    TensorType out = Argmax.ARGMAX.inferType(new TensorType[] {x.type()}, p);
    return Argmax.ARGMAX.evaluate(new CpuTensor[] {x}, p, out);
  }

  private static CpuTensor gather(CpuTensor x, CpuTensor idx, int axis) {
    Params p = Gather.params(axis, 0);
    TensorType out = Gather.GATHER.inferType(new TensorType[] {x.type(), idx.type()}, p);
    return Gather.GATHER.evaluate(new CpuTensor[] {x, idx}, p, out);
  }

  private static CpuTensor scatterAdd(CpuTensor x, CpuTensor idx, CpuTensor updates, int axis) {
    Params p = Gather.params(axis, 0);
    TensorType[] types = {x.type(), idx.type(), updates.type()};
    TensorType out = ScatterAdd.SCATTER_ADD.inferType(types, p);
    return ScatterAdd.SCATTER_ADD.evaluate(new CpuTensor[] {x, idx, updates}, p, out);
  }

  /** A [3,3] x gathered at idx along axis 0 (rows idx[i]) or 1 (columns idx[i] of each row). */
  private static double[] plainGather(double[] x, int[] idx, int axis) {
    double[] y = new double[9];
    for (int r = 0; r < 3; r++) {
      for (int c = 0; c < 3; c++) {
        y[r * 3 + c] = axis == 0 ? x[idx[r] * 3 + c] : x[r * 3 + idx[c]];
      }
    }
    return y;
  }

  /** x plus each update added where gather would have read it (the transpose of plainGather). */
  private static double[] plainScatterAdd(double[] x, int[] idx, double[] u, int axis) {
    double[] y = x.clone();
    for (int r = 0; r < 3; r++) {
      for (int c = 0; c < 3; c++) {
        int at = axis == 0 ? idx[r] * 3 + c : r * 3 + idx[c];
        y[at] += u[r * 3 + c];
      }
    }
    return y;
  }

  private static double[] values(CpuTensor t) {
    double[] d = new double[t.size()];
    for (int i = 0; i < d.length; i++) {
      d[i] = t.getDouble(i);
    }
    return d;
  }

  private static long[] indices(CpuTensor t) {
    long[] d = new long[t.size()];
    for (int i = 0; i < d.length; i++) {
      d[i] = t.getLong(i);
    }
    return d;
  }
}
