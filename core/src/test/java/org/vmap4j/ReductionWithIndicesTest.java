package org.vmap4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.vmap4j.Func.grad;
import static org.vmap4j.Func.jit;
import static org.vmap4j.Func.vmap;

import org.junit.jupiter.api.Test;

/**
 * {@code maxWithIndices}/{@code minWithIndices} (torch.max(x, dim)) against plain loops, and their
 * derivative convention (everything to the returned index) against {@code max(dim)}'s (ties split).
 */
class ReductionWithIndicesTest {
  static final Tensor X =
      Tensor.of(new double[] {3, -1, 3, 0.5, /* */ 2, 7, -4, 7, /* */ -2, -2, -5, 1}, 3, 4);

  /** The first extreme of each row and its position, by a loop. */
  static double[][] byLoop(double[] data, int rows, int cols, boolean max) {
    double[][] out = new double[2][rows];
    for (int r = 0; r < rows; r++) {
      int best = 0;
      for (int c = 1; c < cols; c++) {
        double v = data[r * cols + c];
        double b = data[r * cols + best];
        if (max ? v > b : v < b) {
          best = c;
        }
      }
      out[0][r] = data[r * cols + best];
      out[1][r] = best;
    }
    return out;
  }

  @Test
  void valuesAndIndicesAlongEachDimensionMatchALoop() {
    Tensor x = Tensor.randomNormal(3, DType.F64, 5, 6);
    for (boolean max : new boolean[] {true, false}) {
      ValuesAndIndices r = max ? x.maxWithIndices(1) : x.minWithIndices(-1);
      double[][] want = byLoop(x.toDoubleArray(), 5, 6, max);
      assertThat(r.values().toDoubleArray()).containsExactly(want[0]);
      assertThat(r.indices().dtype()).isEqualTo(DType.I64);
      assertThat(r.indices().toDoubleArray()).containsExactly(want[1]);
      // along dim 0: the transpose's rows
      ValuesAndIndices c = max ? x.maxWithIndices(0) : x.minWithIndices(0);
      double[][] wantC = byLoop(x.transpose().toDoubleArray(), 6, 5, max);
      assertThat(c.values().toDoubleArray()).containsExactly(wantC[0]);
      assertThat(c.indices().toDoubleArray()).containsExactly(wantC[1]);
    }
    ValuesAndIndices kept = x.maxWithIndices(1, true);
    assertThat(kept.values().shape()).containsExactly(5, 1);
    assertThat(kept.indices().shape()).containsExactly(5, 1);
    assertThat(x.minWithIndices(0, true).values().shape()).containsExactly(1, 6);
  }

  @Test
  void tiesGiveTheFirstIndexAndTheWholeDerivativeGoesThere() {
    ValuesAndIndices r = X.maxWithIndices(1);
    assertThat(r.values().toDoubleArray()).containsExactly(3, 7, 1);
    assertThat(r.indices().toLongArray()).containsExactly(0, 1, 3);
    Tensor g = grad((Tensor x) -> x.maxWithIndices(1).values().sum()).apply(X);
    assertThat(g.toDoubleArray()).containsExactly(1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1);
    // max(dim) keeps its convention: ties share the derivative evenly
    Tensor split = grad((Tensor x) -> x.max(1).sum()).apply(X);
    assertThat(split.toDoubleArray()).containsExactly(0.5, 0, 0.5, 0, 0, 0.5, 0, 0.5, 0, 0, 0, 1);
    Tensor gmin = grad((Tensor x) -> x.minWithIndices(1).values().sum()).apply(X);
    assertThat(X.minWithIndices(1).indices().toLongArray()).containsExactly(1, 2, 2);
    assertThat(gmin.toDoubleArray()).containsExactly(0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0);
  }

  @Test
  void aNaNIsChosenAndReceivesTheDerivative() {
    Tensor x = Tensor.of(new double[] {1, Double.NaN, 5, -3}, 1, 4);
    for (ValuesAndIndices r : new ValuesAndIndices[] {x.maxWithIndices(1), x.minWithIndices(1)}) {
      assertThat(r.values().item()).isNaN();
      assertThat(r.indices().toLongArray()).containsExactly(1);
    }
    Tensor g = grad((Tensor v) -> v.maxWithIndices(1).values().sum()).apply(x);
    assertThat(g.toDoubleArray()).containsExactly(0, 1, 0, 0);
  }

  @Test
  void integerMinimaIncludingTheMostNegativeValue() {
    Tensor x = Tensor.of(new long[] {4, Long.MIN_VALUE, Long.MAX_VALUE, Long.MIN_VALUE});
    ValuesAndIndices r = x.minWithIndices(0);
    assertThat(r.values().toLongArray()).containsExactly(Long.MIN_VALUE);
    assertThat(r.indices().toLongArray()).containsExactly(1);
    assertThat(x.maxWithIndices(0).indices().toLongArray()).containsExactly(2);
    Tensor i = Tensor.of(new int[] {3, -7, 9, -7});
    assertThat(i.minWithIndices(0).indices().toLongArray()).containsExactly(1);
    assertThat(i.minWithIndices(0).values().dtype()).isEqualTo(DType.I32);
  }

  @Test
  void underVmapAndJit() {
    Tensor xs = Tensor.randomNormal(9, DType.F64, 4, 3, 5);
    ValuesAndIndices batched = vmap((Tensor x) -> x.minWithIndices(1)).apply(xs);
    ValuesAndIndices compiled = jit((Tensor x) -> x.minWithIndices(2)).apply(xs);
    Tensor perExampleGrad =
        vmap(grad((Tensor x) -> x.maxWithIndices(0).values().exp().sum())).apply(xs);
    for (int e = 0; e < 4; e++) {
      ValuesAndIndices one = xs.index(0, e).minWithIndices(1);
      assertThat(batched.values().index(0, e).toDoubleArray())
          .containsExactly(one.values().toDoubleArray());
      assertThat(batched.indices().index(0, e).toLongArray())
          .containsExactly(one.indices().toLongArray());
      Tensor g = grad((Tensor x) -> x.maxWithIndices(0).values().exp().sum()).apply(xs.index(0, e));
      assertThat(perExampleGrad.index(0, e).allClose(g, 0, 0)).isTrue();
    }
    assertThat(compiled.indices().toLongArray())
        .containsExactly(xs.minWithIndices(2).indices().toLongArray());
  }
}
