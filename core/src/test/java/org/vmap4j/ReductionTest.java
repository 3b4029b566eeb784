package org.vmap4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.vmap4j.testing.TensorAssertions;

/** Reductions and the softmax family against plain loops over every dimension. */
class ReductionTest {
  @Provide
  Arbitrary<int[]> shapes() {
    return Reference.nonEmptyShapes(1);
  }

  @Provide
  Arbitrary<DType> floating() {
    return Arbitraries.of(DType.F32, DType.F64);
  }

  /** Reference reduction along {@code dim}: kind is sum, max, min, argmax or mean. */
  static double[] reduceRef(double[] x, int[] shape, int dim, String kind) {
    int[] out = new int[shape.length - 1];
    for (int d = 0, k = 0; d < shape.length; d++) {
      if (d != dim) {
        out[k++] = shape[d];
      }
    }
    double[] r = new double[Reference.size(out)];
    Reference.forEachIndex(
        out,
        o -> {
          int[] idx = new int[shape.length];
          for (int d = 0, k = 0; d < shape.length; d++) {
            idx[d] = d == dim ? 0 : o[k++];
          }
          double acc = kind.equals("max") || kind.equals("argmax") ? Double.NEGATIVE_INFINITY : 0;
          acc = kind.equals("min") ? Double.POSITIVE_INFINITY : acc;
          int best = 0;
          for (int i = 0; i < shape[dim]; i++) {
            idx[dim] = i;
            double v = x[Reference.flat(shape, idx)];
            switch (kind) {
              case "sum", "mean" -> acc += v;
              case "max" -> acc = Math.max(acc, v);
              case "min" -> acc = Math.min(acc, v);
              default -> {
                if (v > acc) {
                  acc = v;
                  best = i;
                }
              }
            }
          }
          r[Reference.flat(out, o)] =
              kind.equals("argmax") ? best : kind.equals("mean") ? acc / shape[dim] : acc;
        });
    return r;
  }

  @Property(tries = 200)
  void reductionsAlongEachDimensionMatchLoops(
      @ForAll("shapes") int[] shape,
      @ForAll("floating") DType dtype,
      @ForAll boolean strided,
      @ForAll long seed) {
    double[] data = Reference.randomData(seed, Reference.size(shape));
    Tensor x =
        strided
            ? Reference.nonContiguous(data, shape, dtype)
            : Reference.tensor(data, shape, dtype);
    double[] values = x.toDoubleArray();
    double tol = Reference.tolerance(dtype) * 10;
    for (int dim = 0; dim < shape.length; dim++) {
      assertClose(x.sum(dim), reduceRef(values, shape, dim, "sum"), tol);
      assertClose(x.mean(dim), reduceRef(values, shape, dim, "mean"), tol);
      assertClose(x.max(dim), reduceRef(values, shape, dim, "max"), 0);
      assertClose(x.min(dim), reduceRef(values, shape, dim, "min"), 0);
      assertClose(x.argmax(dim - shape.length), reduceRef(values, shape, dim, "argmax"), 0);
      assertThat(x.argmax(dim).dtype()).isEqualTo(DType.I64);
      int[] kept = shape.clone();
      kept[dim] = 1;
      assertThat(x.sum(dim, true).shape()).isEqualTo(kept);
    }
    double total = 0;
    for (double v : values) {
      total += v;
    }
    assertThat(x.sum().item()).isCloseTo(total, within(tol * Math.max(1, Math.abs(total))));
    assertThat(x.sum().ndim()).isZero();
  }

  @Property(tries = 100)
  void softmaxFamilyMatchesLoops(
      @ForAll("shapes") int[] shape, @ForAll("floating") DType dtype, @ForAll long seed) {
    double[] data = Reference.randomData(seed, Reference.size(shape));
    Tensor x = Reference.tensor(data, shape, dtype);
    double[] v = x.toDoubleArray();
    int dim = shape.length - 1;
    int n = shape[dim];
    double[] lse = new double[v.length / n];
    for (int r = 0; r < lse.length; r++) {
      double s = 0;
      for (int i = 0; i < n; i++) {
        s += Math.exp(v[r * n + i]);
      }
      lse[r] = Math.log(s);
    }
    double tol = Reference.tolerance(dtype) * 10;
    assertClose(x.logSumExp(dim), lse, tol);
    double[] soft = new double[v.length];
    double[] logSoft = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      logSoft[i] = v[i] - lse[i / n];
      soft[i] = Math.exp(logSoft[i]);
    }
    assertClose(x.softmax(-1), soft, tol);
    assertClose(x.logSoftmax(-1), logSoft, tol);
  }

  private static void assertClose(Tensor t, double[] want, double tol) {
    TensorAssertions.assertClose(
        "reduction", t.toDoubleArray(), want, TensorAssertions.Tolerance.scaled(tol));
  }

  @Test
  void logSumExpDoesNotOverflowAndHandlesInfiniteRows() {
    Tensor x =
        Tensor.of(
            new double[] {1000, 1000, Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY}, 2, 2);
    double[] r = x.logSumExp(1).toDoubleArray();
    assertThat(r[0]).isCloseTo(1000 + Math.log(2), within(1e-9));
    assertThat(r[1]).isEqualTo(Double.NEGATIVE_INFINITY);
    assertThat(Tensor.of(new float[] {100, 0}).softmax(0).toFloatArray()[0]).isEqualTo(1f);
  }

  @Test
  void integerSumsAreI64AndMeanNeedsFloats() {
    Tensor b = Tensor.of(new boolean[] {true, true, false});
    assertThat(b.sum().dtype()).isEqualTo(DType.I64);
    assertThat(b.sum().item()).isEqualTo(2);
    Tensor i = Tensor.of(new int[] {Integer.MAX_VALUE, Integer.MAX_VALUE});
    assertThat(i.sum().toLongArray()).containsExactly(2L * Integer.MAX_VALUE);
    assertThatThrownBy(i::mean).hasMessageContaining("mean").hasMessageContaining("i32");
  }

  @Test
  void argmaxTakesTheFirstMaximumAndNanWins() {
    assertThat(Tensor.of(new double[] {1, 3, 3, 0}).argmax(0).item()).isEqualTo(1);
    assertThat(Tensor.of(new double[] {1, Double.NaN, 3}).argmax(0).item()).isEqualTo(1);
    assertThat(Tensor.of(new int[] {-5, -2, -9}).argmax(0).item()).isEqualTo(1);
  }

  @Test
  void emptyReductions() {
    Tensor e = Tensor.zeros(DType.F64, 0, 3);
    assertThat(e.sum(0).toDoubleArray()).containsExactly(0, 0, 0);
    assertThat(e.sum(1).shape()).containsExactly(0);
    assertThatThrownBy(() -> e.max(0)).hasMessageContaining("size 0");
  }

  @Test
  void badDimensionIsNamed() {
    assertThatThrownBy(() -> Tensor.zeros(DType.F32, 2, 3).sum(2))
        .hasMessageContaining("sum")
        .hasMessageContaining("dimension 2");
  }
}
