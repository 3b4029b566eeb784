package org.vmap4j.kernel;

import static org.assertj.core.api.Assertions.assertThat;
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
import org.vmap4j.prim.Argmax;

/**
 * argmax through its {@link IndexReduction} (the values a strided view of x, the {@link
 * IndexMonoid#ARGMAX} scan rendered by org.vmap4j.cpu.IndexReductions) against a plain loop written
 * here: the first maximum, a NaN larger than any number, the first NaN when there are several.
 */
class IndexReductionsTest {
  private final Random random = new Random(20261208);

  @Test
  void argmaxMatchesAPlainLoop() {
    for (int trial = 0; trial < 300; trial++) {
      int rank = 1 + random.nextInt(3);
      int axis = random.nextInt(rank);
      int[] xs = new int[rank];
      for (int d = 0; d < rank; d++) {
        xs[d] = d == axis ? 1 + random.nextInt(5) : random.nextInt(4);
      }
      // few distinct values, so that maxima tie; NaNs in a third of the trials
      double[] v = new double[size(xs)];
      boolean nans = trial % 3 == 0;
      for (int k = 0; k < v.length; k++) {
        v[k] = nans && random.nextInt(4) == 0 ? Double.NaN : random.nextInt(3) - 1;
      }
      DType t = new DType[] {DType.F64, DType.F32, DType.I32, DType.I64}[trial % 4];
      if (!t.isFloating()) {
        for (int k = 0; k < v.length; k++) {
          v[k] = Double.isNaN(v[k]) ? 5 : v[k];
        }
      }
      // F64 operands stay transposed views (non-contiguous); the others are converted copies
      CpuTensor x =
          t == DType.F64 ? transposedView(v, xs) : (CpuTensor) transposedView(v, xs).astype(t);
      Params p = Argmax.params(axis);
      TensorType out = Argmax.ARGMAX.inferType(new TensorType[] {x.type()}, p);
      CpuTensor got = Argmax.ARGMAX.evaluate(new CpuTensor[] {x}, p, out);
      int[] os = out.shape();
      forEachIndex(
          os,
          o -> {
            int[] at = new int[rank];
            for (int d = 0, e = 0; d < rank; d++) {
              at[d] = d == axis ? 0 : o[e++];
            }
            int best = 0;
            for (int j = 0; j < xs[axis]; j++) {
              at[axis] = j;
              double c = v[flat(xs, at)];
              at[axis] = best;
              double b = v[flat(xs, at)];
              if (!Double.isNaN(b) && (Double.isNaN(c) || c > b)) {
                best = j;
              }
            }
            assertThat(got.getLong(flat(os, o)))
                .as(
                    "argmax %s axis %d of %s at %s",
                    t, axis, Arrays.toString(xs), Arrays.toString(o))
                .isEqualTo(best);
          });
    }
  }
}
