package org.vmap4j.gpu;

import java.util.List;
import java.util.Random;
import org.vmap4j.DType;
import org.vmap4j.Tensor;

/**
 * The random shapes, index lists and operand values the index-primitive tests draw their trials
 * from, all from one seeded {@link Random} so that a failing trial is reproducible from its seed.
 */
final class RandomDraws {
  final Random random;

  RandomDraws(long seed) {
    this.random = new Random(seed);
  }

  <T> T pick(List<T> options) {
    return options.get(random.nextInt(options.size()));
  }

  /** Dimensions of 0 to 3, mostly non-zero. */
  int[] shape(int rank) {
    int[] s = new int[rank];
    for (int d = 0; d < rank; d++) {
      s[d] = random.nextInt(10) == 0 ? 0 : 1 + random.nextInt(3);
    }
    return s;
  }

  /** {@code n} integers in {@code [0, bound)}. */
  int[] ints(int n, int bound) {
    int[] out = new int[n];
    for (int i = 0; i < n; i++) {
      out[i] = random.nextInt(bound);
    }
    return out;
  }

  /** Random values: normal floats, small integers (so maxima tie), random booleans. */
  Tensor values(DType t, int[] shape) {
    Tensor u = Tensor.randomNormal(random.nextLong(), DType.F64, shape);
    return switch (t) {
      case F32, F64 -> u.astype(t);
      case I32, I64 -> u.mul(3).astype(t);
      case BOOL -> u.gt(0);
    };
  }
}
