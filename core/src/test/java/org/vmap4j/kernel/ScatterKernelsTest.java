package org.vmap4j.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.vmap4j.kernel.ViewKernelsTest.flat;
import static org.vmap4j.kernel.ViewKernelsTest.forEachIndex;
import static org.vmap4j.kernel.ViewKernelsTest.size;
import static org.vmap4j.kernel.ViewKernelsTest.transposedView;

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
      GatherCase c = GatherCase.random(random);
      int[] xs = c.xs();
      // small integers in doubles: every order of the sums gives the same exact result
      double[] xv = random.ints(size(xs), -5, 5).asDoubleStream().toArray();
      CpuTensor x = transposedView(xv, xs);
      Params p = c.params();
      TensorType ut = Gather.GATHER.inferType(new TensorType[] {x.type(), c.indices().type()}, p);
      int[] us = ut.shape();
      double[] uv = random.ints(size(us), -5, 5).asDoubleStream().toArray();
      CpuTensor updates = transposedView(uv, us);
      CpuTensor got =
          ScatterAdd.SCATTER_ADD.evaluate(
              new CpuTensor[] {x, c.indices(), updates},
              p,
              ScatterAdd.SCATTER_ADD.inferType(
                  new TensorType[] {x.type(), c.indices().type(), updates.type()}, p));
      double[] want = xv.clone();
      forEachIndex(us, u -> want[flat(xs, c.operandIndex(u))] += uv[flat(us, u)]);
      for (int k = 0; k < want.length; k++) {
        assertThat(got.getDouble(k)).as("scatter_add %s at %d", c, k).isEqualTo(want[k]);
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
