package org.vmap4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;
import java.util.function.UnaryOperator;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** Element-wise operations against plain loops, on random shapes, dtypes and layouts. */
class ElementwiseTest {
  record UnaryCase(
      String name, UnaryOperator<Tensor> op, DoubleUnaryOperator ref, boolean positive) {
    @Override
    public String toString() {
      return name;
    }
  }

  record BinaryCase(
      String name, java.util.function.BinaryOperator<Tensor> op, DoubleBinaryOperator ref) {
    @Override
    public String toString() {
      return name;
    }
  }

  static final UnaryCase[] UNARY = {
    new UnaryCase("neg", Tensor::neg, x -> -x, false),
    new UnaryCase("abs", Tensor::abs, Math::abs, false),
    new UnaryCase("sign", Tensor::sign, Math::signum, false),
    new UnaryCase("exp", Tensor::exp, Math::exp, false),
    new UnaryCase("log", Tensor::log, Math::log, true),
    new UnaryCase("log1p", Tensor::log1p, Math::log1p, true),
    new UnaryCase("expm1", Tensor::expm1, Math::expm1, false),
    new UnaryCase("sin", Tensor::sin, Math::sin, false),
    new UnaryCase("cos", Tensor::cos, Math::cos, false),
    new UnaryCase("tanh", Tensor::tanh, Math::tanh, false),
    new UnaryCase("sigmoid", Tensor::sigmoid, x -> 1 / (1 + Math.exp(-x)), false),
    new UnaryCase("relu", Tensor::relu, x -> x > 0 ? x : 0, false),
    new UnaryCase("sqrt", Tensor::sqrt, Math::sqrt, true),
    new UnaryCase("rsqrt", Tensor::rsqrt, x -> 1 / Math.sqrt(x), true),
    new UnaryCase("square", Tensor::square, x -> x * x, false),
    // its accuracy is ErfTest's; here the layouts and dtypes of the generated loop
    new UnaryCase("erf", Tensor::erf, org.vmap4j.prim.ErrorFunction::erf, false),
    new UnaryCase("pow(3)", x -> x.pow(3), x -> Math.pow(x, 3), false),
    new UnaryCase("add(2.5)", x -> x.add(2.5), x -> x + 2.5, false),
    new UnaryCase("div(4)", x -> x.div(4), x -> x / 4, false),
  };

  static final BinaryCase[] BINARY = {
    new BinaryCase("add", Tensor::add, (a, b) -> a + b),
    new BinaryCase("sub", Tensor::sub, (a, b) -> a - b),
    new BinaryCase("mul", Tensor::mul, (a, b) -> a * b),
    new BinaryCase("div", Tensor::div, (a, b) -> a / b),
    new BinaryCase("maximum", Tensor::maximum, Math::max),
    new BinaryCase("minimum", Tensor::minimum, Math::min),
    new BinaryCase("pow", (a, b) -> a.abs().pow(b), (a, b) -> Math.pow(Math.abs(a), b)),
    new BinaryCase("lt", Tensor::lt, (a, b) -> a < b ? 1 : 0),
    new BinaryCase("le", Tensor::le, (a, b) -> a <= b ? 1 : 0),
    new BinaryCase("gt", Tensor::gt, (a, b) -> a > b ? 1 : 0),
    new BinaryCase("ge", Tensor::ge, (a, b) -> a >= b ? 1 : 0),
    new BinaryCase("eq", Tensor::eq, (a, b) -> a == b ? 1 : 0),
    new BinaryCase("ne", Tensor::ne, (a, b) -> a != b ? 1 : 0),
  };

  @Provide
  Arbitrary<UnaryCase> unaryCases() {
    return Arbitraries.of(UNARY);
  }

  @Provide
  Arbitrary<BinaryCase> binaryCases() {
    return Arbitraries.of(BINARY);
  }

  @Provide
  Arbitrary<DType> floating() {
    return Arbitraries.of(DType.F32, DType.F64);
  }

  @Provide
  Arbitrary<int[]> shapes() {
    return Reference.shapes();
  }

  @Provide
  Arbitrary<int[][]> pairs() {
    return Reference.broadcastablePairs();
  }

  @Property(tries = 300)
  void unaryMatchesMath(
      @ForAll("unaryCases") UnaryCase c,
      @ForAll("shapes") int[] shape,
      @ForAll("floating") DType dtype,
      @ForAll boolean strided,
      @ForAll long seed) {
    double[] data = Reference.randomData(seed, Reference.size(shape));
    if (c.positive) {
      for (int i = 0; i < data.length; i++) {
        data[i] = Math.abs(data[i]) + 0.01;
      }
    }
    Tensor x =
        strided
            ? Reference.nonContiguous(data, shape, dtype)
            : Reference.tensor(data, shape, dtype);
    Tensor y = c.op.apply(x);
    assertThat(y.shape()).isEqualTo(shape);
    assertThat(y.dtype()).isEqualTo(dtype);
    double[] got = y.toDoubleArray();
    double[] in = x.toDoubleArray();
    for (int i = 0; i < got.length; i++) {
      double want = c.ref.applyAsDouble(in[i]);
      double tol = Reference.tolerance(dtype) * Math.max(1, Math.abs(want));
      assertThat(got[i])
          .as("%s(%s) at %d", c, in[i], i)
          .isCloseTo(want, org.assertj.core.api.Assertions.within(tol));
    }
  }

  @Property(tries = 300)
  void binaryBroadcastsLikeNumPy(
      @ForAll("binaryCases") BinaryCase c,
      @ForAll("pairs") int[][] shapes,
      @ForAll("floating") DType dtype,
      @ForAll boolean strided,
      @ForAll long seed) {
    int[] sa = shapes[0];
    int[] sb = shapes[1];
    double[] a = Reference.randomData(seed, Reference.size(sa));
    double[] b = Reference.randomData(seed + 1, Reference.size(sb));
    if (a.length > 0 && b.length > 0) {
      a[0] = b[0]; // make equality comparisons see at least one equal pair now and then
    }
    for (int i = 0; i < b.length; i++) {
      b[i] = c.name.equals("div") && b[i] == 0 ? 0.5 : b[i];
    }
    Tensor ta = strided ? Reference.nonContiguous(a, sa, dtype) : Reference.tensor(a, sa, dtype);
    Tensor tb = Reference.tensor(b, sb, dtype);
    Tensor y = c.op.apply(ta, tb);
    int[] out = new int[Math.max(sa.length, sb.length)];
    for (int d = 0; d < out.length; d++) {
      int da = d < out.length - sa.length ? 1 : sa[d - (out.length - sa.length)];
      int db = d < out.length - sb.length ? 1 : sb[d - (out.length - sb.length)];
      out[d] = da == db ? da : da == 1 ? db : da;
    }
    assertThat(y.shape()).isEqualTo(out);
    double[] av = ta.toDoubleArray();
    double[] bv = tb.toDoubleArray();
    double[] got = y.toDoubleArray();
    Reference.forEachIndex(
        out,
        idx -> {
          double want =
              c.ref.applyAsDouble(
                  Reference.broadcastAt(av, sa, idx), Reference.broadcastAt(bv, sb, idx));
          double g = got[Reference.flat(out, idx)];
          double tol = Reference.tolerance(dtype) * Math.max(1, Math.abs(want));
          if (Double.isNaN(want)) {
            assertThat(g).isNaN();
          } else {
            assertThat(g)
                .as("%s at %s", c, java.util.Arrays.toString(idx))
                .isCloseTo(want, org.assertj.core.api.Assertions.within(tol));
          }
        });
  }

  @Test
  void integerArithmeticStaysInteger() {
    Tensor a = Tensor.of(new int[] {1, -2, 3}, 3);
    Tensor b = Tensor.of(new int[] {4, 5, -6}, 3);
    assertThat(a.add(b).dtype()).isEqualTo(DType.I32);
    assertThat(a.add(b).toIntArray()).containsExactly(5, 3, -3);
    assertThat(a.mul(b).toIntArray()).containsExactly(4, -10, -18);
    assertThat(a.abs().toIntArray()).containsExactly(1, 2, 3);
    assertThat(a.sign().toIntArray()).containsExactly(1, -1, 1);
    assertThat(a.maximum(b).toIntArray()).containsExactly(4, 5, 3);
  }

  @Test
  void promotionFollowsTheDocumentedChain() {
    Tensor f32 = Tensor.of(new float[] {1, 2});
    Tensor f64 = Tensor.of(new double[] {1, 2});
    Tensor i64 = Tensor.of(new long[] {1, 2});
    Tensor i32 = Tensor.of(new int[] {1, 2});
    Tensor bool = Tensor.of(new boolean[] {true, false});
    assertThat(f32.add(f64).dtype()).isEqualTo(DType.F64);
    assertThat(i64.add(f32).dtype()).isEqualTo(DType.F32);
    assertThat(i32.add(i64).dtype()).isEqualTo(DType.I64);
    assertThat(bool.add(i32).dtype()).isEqualTo(DType.I32);
    // a Java double is weak: it does not promote an F32 tensor
    assertThat(f32.mul(2.0).dtype()).isEqualTo(DType.F32);
    assertThat(i32.mul(2.0).dtype()).isEqualTo(DType.F64);
    assertThat(i32.mul(2.5).toDoubleArray()).containsExactly(2.5, 5.0);
  }

  @Test
  void nanAndInfinityPassThrough() {
    Tensor x = Tensor.of(new double[] {Double.NaN, Double.POSITIVE_INFINITY, -1});
    double[] y = x.mul(2).add(1).toDoubleArray();
    assertThat(y[0]).isNaN();
    assertThat(y[1]).isEqualTo(Double.POSITIVE_INFINITY);
    assertThat(y[2]).isEqualTo(-1);
    assertThat(x.maximum(0).toDoubleArray()[0]).isNaN();
  }

  @Test
  void whereSelectsAndBroadcasts() {
    Tensor x = Tensor.of(new double[] {-1, 2, -3, 4}, 2, 2);
    Tensor y = Tensor.where(x.gt(0), x, Tensor.zeros(DType.F64));
    assertThat(y.toDoubleArray()).containsExactly(0, 2, 0, 4);
    Tensor z = Tensor.where(Tensor.of(new boolean[] {true, false}, 2), x, -7.0);
    assertThat(z.toDoubleArray()).containsExactly(-1, -7, -3, -7);
  }

  @Test
  void astypeConvertsLikeAJavaCast() {
    Tensor x = Tensor.of(new double[] {-1.7, 0, 2.9, Double.NaN});
    assertThat(x.astype(DType.I32).toIntArray()).containsExactly(-1, 0, 2, 0);
    assertThat(x.astype(DType.BOOL).toBooleanArray()).containsExactly(true, false, true, true);
    assertThat(Tensor.of(new boolean[] {true, false}).astype(DType.F32).toFloatArray())
        .containsExactly(1f, 0f);
    assertThat(Tensor.of(new long[] {1L << 40}).astype(DType.F64).item()).isEqualTo(0x1p40);
  }

  @Test
  void errorsNameTheOperationAndBothShapes() {
    Tensor a = Tensor.zeros(DType.F32, 2, 3);
    Tensor b = Tensor.zeros(DType.F32, 4);
    assertThatThrownBy(() -> a.add(b))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("add")
        .hasMessageContaining("[2,3]")
        .hasMessageContaining("[4]");
    assertThatThrownBy(() -> Tensor.of(new int[] {1}).exp())
        .hasMessageContaining("exp")
        .hasMessageContaining("i32");
    assertThatThrownBy(() -> Tensor.of(new int[] {1}).div(Tensor.of(new int[] {2})))
        .hasMessageContaining("div")
        .hasMessageContaining("i32");
    assertThatThrownBy(() -> Tensor.of(new boolean[] {true}).neg())
        .hasMessageContaining("neg")
        .hasMessageContaining("bool");
  }

  /**
   * select (where) picks floating-point operands by their bits (see JavaScalarOps#select): the
   * chosen element must be exactly the operand's, NaN payloads, infinities and signed zeros
   * included, eagerly and in a jitted (fused) kernel, in F32 and F64.
   */
  @Test
  void whereKeepsTheChosenOperandsBitsExactly() {
    boolean[] cond = {true, false, true, false, true, false, true, false};
    double[] a = {-0.0, 0.0, Double.NaN, 1, Double.NEGATIVE_INFINITY, 2, 3.5, -7};
    double[] b = {
      0.0, -0.0, 5, Double.longBitsToDouble(0x7ff8000000000123L), 9, Double.POSITIVE_INFINITY, -1, 8
    };
    Tensor c = Tensor.of(cond, 8);
    for (DType t : new DType[] {DType.F32, DType.F64}) {
      Tensor ta = Tensor.of(a, 8).astype(t);
      Tensor tb = Tensor.of(b, 8).astype(t);
      double[] wantA = ta.astype(DType.F64).toDoubleArray();
      double[] wantB = tb.astype(DType.F64).toDoubleArray();
      Tensor eager = Tensor.where(c, ta, tb);
      Tensor jitted =
          Func.jit((Tensor x, Tensor y) -> Tensor.where(c, x.mul(1.0), y.mul(1.0))).apply(ta, tb);
      for (Tensor got : new Tensor[] {eager, jitted}) {
        double[] g = got.astype(DType.F64).toDoubleArray();
        for (int i = 0; i < 8; i++) {
          double want = cond[i] ? wantA[i] : wantB[i];
          assertThat(Double.doubleToRawLongBits(g[i]))
              .as(t + " element " + i)
              .isEqualTo(Double.doubleToRawLongBits(want));
        }
      }
    }
  }
}
