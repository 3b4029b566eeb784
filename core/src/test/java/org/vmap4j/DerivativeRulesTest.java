package org.vmap4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The JVP and VJP rule of every differentiable primitive, through the per-primitive cases of {@link
 * VmapPropertyTest}: in F64 on random inputs, the JVP agrees with central finite differences, and
 * the VJP is its transpose: {@code <u, J v> = <J^T u, v>}.
 */
class DerivativeRulesTest {
  static Stream<Arguments> casesAndSeeds() {
    List<Arguments> out = new ArrayList<>();
    for (VmapPropertyTest.Case c : VmapPropertyTest.CASES) {
      for (long seed : new long[] {11, 22, 33}) {
        out.add(Arguments.of(c, seed));
      }
    }
    return out.stream();
  }

  /** The floating arguments are differentiated; integer ones (indices) stay fixed. */
  static Function<List<Tensor>, Tensor> overFloating(VmapPropertyTest.Case c, Tensor[] args) {
    return floats -> {
      Tensor[] a = args.clone();
      int k = 0;
      for (int i = 0; i < a.length; i++) {
        if (a[i].dtype().isFloating()) {
          a[i] = floats.get(k++);
        }
      }
      return c.f().apply(a).astype(DType.F64);
    };
  }

  static double inner(List<Tensor> a, List<Tensor> b) {
    double s = 0;
    for (int i = 0; i < a.size(); i++) {
      s += a.get(i).mul(b.get(i)).sum().item();
    }
    return s;
  }

  @ParameterizedTest(name = "{0} seed {1}")
  @MethodSource("casesAndSeeds")
  void jvpMatchesFiniteDifferencesAndVjpIsItsTranspose(VmapPropertyTest.Case c, long seed) {
    Random r = new Random(seed);
    Tensor[] args = c.args().apply(r, DType.F64);
    List<Tensor> x = new ArrayList<>();
    for (Tensor a : args) {
      if (a.dtype().isFloating()) {
        x.add(a);
      }
    }
    Function<List<Tensor>, Tensor> f = overFloating(c, args);
    Tensor y = f.apply(x);
    if (!c.f().apply(args).dtype().isFloating()) {
      // integer results (argmax) carry no derivative: the tangent is zero
      Jvp<Tensor> j =
          Func.jvp(f, x, Tree.map(x, t -> Tensor.randomNormal(seed, DType.F64, t.shape())));
      assertThat(j.tangent().abs().max().item()).isZero();
      return;
    }
    List<Tensor> v = new ArrayList<>();
    for (Tensor t : x) {
      v.add(Tensor.randomNormal(r.nextLong(), DType.F64, t.shape()));
    }
    Tensor jv = Func.jvp(f, x, v).tangent();

    // The convert case rounds through F32 on purpose (to test conversions between floating
    // dtypes), so its differences need a larger step and tolerance than pure F64 arithmetic.
    boolean viaF32 = c.name().equals("convert");
    double h = viaF32 ? 1e-2 : 1e-6;
    double tolerance = viaF32 ? 1e-4 : 1e-6;
    List<Tensor> plus = new ArrayList<>();
    List<Tensor> minus = new ArrayList<>();
    for (int i = 0; i < x.size(); i++) {
      plus.add(x.get(i).add(v.get(i).mul(h)));
      minus.add(x.get(i).sub(v.get(i).mul(h)));
    }
    Tensor fd = f.apply(plus).sub(f.apply(minus)).div(2 * h);
    double scale = Math.max(1, fd.abs().max().item());
    assertThat(jv.sub(fd).abs().max().item())
        .as("%s: JVP vs central differences", c)
        .isLessThanOrEqualTo(tolerance * scale);

    Tensor u = Tensor.randomNormal(r.nextLong(), DType.F64, y.shape());
    if (c.primitives().contains("while")) {
      // whileLoop has forward mode only; reverse mode is an error that names the alternative
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> Func.vjp(f, x).pullback(u))
          .hasMessageContaining("Func.scan with a fixed length");
      return;
    }
    List<Tensor> jtu = Func.vjp(f, x).pullback(u);
    double lhs = u.mul(jv).sum().item();
    double rhs = inner(jtu, v);
    assertThat(Math.abs(lhs - rhs))
        .as("%s: <u, Jv> = %s but <J^T u, v> = %s", c, lhs, rhs)
        .isLessThanOrEqualTo((viaF32 ? 1e-6 : 1e-10) * Math.max(1, Math.abs(lhs)));
  }
}
