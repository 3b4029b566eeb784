package org.vmap4j;

import java.util.function.Consumer;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * Plain-loop references for the tests: N-d index iteration and element access with NumPy
 * broadcasting, written independently of the library's strided kernels.
 */
final class Reference {
  private Reference() {}

  static int size(int[] shape) {
    int n = 1;
    for (int d : shape) {
      n *= d;
    }
    return n;
  }

  /** Calls {@code body} with every index of {@code shape} in row-major order. */
  static void forEachIndex(int[] shape, Consumer<int[]> body) {
    int n = size(shape);
    int[] idx = new int[shape.length];
    for (int flat = 0; flat < n; flat++) {
      int r = flat;
      for (int d = shape.length - 1; d >= 0; d--) {
        idx[d] = r % shape[d];
        r /= shape[d];
      }
      body.accept(idx.clone());
    }
  }

  /** Row-major flat position of {@code idx} in {@code shape}. */
  static int flat(int[] shape, int[] idx) {
    int f = 0;
    for (int d = 0; d < shape.length; d++) {
      f = f * shape[d] + idx[d];
    }
    return f;
  }

  /**
   * The element of a row-major array of {@code shape} that broadcasting maps output index {@code
   * outIdx} to (dimensions aligned at the right, size-1 dimensions repeat).
   */
  static double broadcastAt(double[] data, int[] shape, int[] outIdx) {
    int off = outIdx.length - shape.length;
    int f = 0;
    for (int d = 0; d < shape.length; d++) {
      int i = shape[d] == 1 ? 0 : outIdx[d + off];
      f = f * shape[d] + i;
    }
    return data[f];
  }

  /** Shapes of rank 0 to 4 with dimensions 0 to 4 (zero rarely), for property tests. */
  static Arbitrary<int[]> shapes() {
    Arbitrary<Integer> dim =
        Arbitraries.frequency(
            Tuple.of(1, 0), Tuple.of(4, 1), Tuple.of(4, 2), Tuple.of(4, 3), Tuple.of(3, 4));
    return dim.array(int[].class).ofMinSize(0).ofMaxSize(4);
  }

  /** Non-empty shapes of rank 1 to 4 with dimensions 1 to 4. */
  static Arbitrary<int[]> nonEmptyShapes(int minRank) {
    return Arbitraries.integers().between(1, 4).array(int[].class).ofMinSize(minRank).ofMaxSize(4);
  }

  /** A pair of shapes that broadcast: both derived from one shape by dropping and 1-ing dims. */
  static Arbitrary<int[][]> broadcastablePairs() {
    return Combinators.combine(shapes(), Arbitraries.longs(), Arbitraries.integers().between(0, 4))
        .as(
            (full, seed, drop) -> {
              java.util.Random r = new java.util.Random(seed);
              return new int[][] {derive(full, r, drop), derive(full, r, 0)};
            });
  }

  private static int[] derive(int[] full, java.util.Random r, int maxDrop) {
    int drop = Math.min(full.length, r.nextInt(maxDrop + 1));
    int[] s = java.util.Arrays.copyOfRange(full, drop, full.length);
    for (int i = 0; i < s.length; i++) {
      if (r.nextInt(3) == 0) {
        s[i] = 1;
      }
    }
    return s;
  }

  static double[] randomData(long seed, int n) {
    java.util.Random r = new java.util.Random(seed);
    double[] d = new double[n];
    for (int i = 0; i < n; i++) {
      d[i] = Math.round(r.nextGaussian() * 1000) / 250.0;
    }
    return d;
  }

  static Tensor tensor(double[] data, int[] shape, DType dtype) {
    // Tensor.of without a shape makes a vector; a 0-d tensor comes from scalar()
    return shape.length == 0 ? Tensor.scalar(dtype, data[0]) : Tensor.of(data, shape).astype(dtype);
  }

  /** A tensor with the given values whose storage is a transposed (non-contiguous) view. */
  static Tensor nonContiguous(double[] data, int[] shape, DType dtype) {
    if (shape.length < 2) {
      return tensor(data, shape, dtype);
    }
    int n = shape.length;
    int[] reversed = new int[n];
    for (int i = 0; i < n; i++) {
      reversed[i] = shape[n - 1 - i];
    }
    double[] t = new double[data.length];
    forEachIndex(
        shape,
        idx -> {
          int[] rev = new int[n];
          for (int i = 0; i < n; i++) {
            rev[i] = idx[n - 1 - i];
          }
          t[flat(reversed, rev)] = data[flat(shape, idx)];
        });
    int[] perm = new int[n];
    for (int i = 0; i < n; i++) {
      perm[i] = n - 1 - i;
    }
    return Tensor.of(t, reversed).astype(dtype).permute(perm);
  }

  /** Tolerance for comparing an F32 or F64 result to a double reference. */
  static double tolerance(DType t) {
    return t == DType.F32 ? 2e-5 : 1e-12;
  }
}
