package org.vmap4j.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.vmap4j.kernel.ViewKernelsTest.flat;
import static org.vmap4j.kernel.ViewKernelsTest.forEachIndex;
import static org.vmap4j.kernel.ViewKernelsTest.size;
import static org.vmap4j.kernel.ViewKernelsTest.transposedView;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.vmap4j.DType;
import org.vmap4j.TensorType;
import org.vmap4j.cpu.CpuTensor;
import org.vmap4j.interpreter.Params;
import org.vmap4j.prim.Gather;
import org.vmap4j.prim.ScatterAdd;

/**
 * scatter_add through its {@link Scatter} (a write through an index, rendered by
 * org.vmap4j.cpu.ScatterKernels) against a plain loop written here: a copy of the operand, then for
 * every update element in row-major order, += at [batch, pre, idx[batch, item], post].
 */
class ScatterKernelsTest {
  private final Random random = new Random(20261209);

  @Test
  void scatterAddMatchesAPlainLoop() {
    for (int trial = 0; trial < 200; trial++) {
      int nb = random.nextInt(2);
      int rank = nb + 1 + random.nextInt(3);
      int axis = nb + random.nextInt(rank - nb);
      int[] xs = new int[rank];
      for (int d = 0; d < rank; d++) {
        xs[d] = random.nextInt(4) + (d == axis ? 1 : 0);
      }
      int items = random.nextInt(3);
      int[] is = new int[nb + items];
      for (int d = 0; d < is.length; d++) {
        is[d] = d < nb ? xs[d] : random.nextInt(4);
      }
      // few positions along the axis: indices repeat and their updates accumulate
      long[] idx = random.longs(size(is), 0, xs[axis]).toArray();
      DType it = random.nextBoolean() ? DType.I32 : DType.I64;
      CpuTensor indices =
          it == DType.I32
              ? CpuTensor.wrap(it, Arrays.stream(idx).mapToInt(v -> (int) v).toArray(), is)
              : CpuTensor.wrap(it, idx, is);
      // small integers in doubles: every order of the sums gives the same exact result
      double[] xv = random.ints(size(xs), -5, 5).asDoubleStream().toArray();
      CpuTensor x = transposedView(xv, xs);
      Params p = Gather.params(axis, nb);
      TensorType ut = Gather.GATHER.inferType(new TensorType[] {x.type(), indices.type()}, p);
      int[] us = ut.shape();
      double[] uv = random.ints(size(us), -5, 5).asDoubleStream().toArray();
      CpuTensor updates = transposedView(uv, us);
      CpuTensor got =
          ScatterAdd.SCATTER_ADD.evaluate(
              new CpuTensor[] {x, indices, updates},
              p,
              ScatterAdd.SCATTER_ADD.inferType(
                  new TensorType[] {x.type(), indices.type(), updates.type()}, p));
      double[] want = xv.clone();
      int items0 = is.length - nb;
      forEachIndex(
          us,
          u -> {
            // u = [batch..., pre..., items..., post...]
            int[] dst = new int[rank];
            int[] at = new int[is.length];
            for (int d = 0; d < nb; d++) {
              dst[d] = u[d];
              at[d] = u[d];
            }
            for (int d = nb; d < axis; d++) {
              dst[d] = u[d];
            }
            for (int d = 0; d < items0; d++) {
              at[nb + d] = u[axis + d];
            }
            dst[axis] = (int) idx[flat(is, at)];
            for (int d = axis + 1; d < rank; d++) {
              dst[d] = u[d - 1 + items0];
            }
            want[flat(xs, dst)] += uv[flat(us, u)];
          });
      for (int k = 0; k < want.length; k++) {
        assertThat(got.getDouble(k))
            .as(
                "scatter_add axis %d of %s by %s at %d",
                axis, Arrays.toString(xs), Arrays.toString(is), k)
            .isEqualTo(want[k]);
      }
    }
  }

  /** Every index is checked, also where no element moves; the first one outside is named. */
  @Test
  void scatterAddReportsTheFirstIndexOutsideItsBound() {
    CpuTensor x = CpuTensor.wrap(DType.F32, new float[0], 3, 0);
    CpuTensor idx = CpuTensor.wrap(DType.I32, new int[] {1, 5, -1}, 3);
    CpuTensor updates = CpuTensor.wrap(DType.F32, new float[0], 3, 0);
    Params p = Gather.params(0, 0);
    TensorType out =
        ScatterAdd.SCATTER_ADD.inferType(
            new TensorType[] {x.type(), idx.type(), updates.type()}, p);
    assertThatThrownBy(
            () -> ScatterAdd.SCATTER_ADD.evaluate(new CpuTensor[] {x, idx, updates}, p, out))
        .isInstanceOf(IndexOutOfBoundsException.class)
        .hasMessage(
            "scatter_add: index 5 at flat position 1 of the indices i32[3] is outside [0, 3)");
  }
}
