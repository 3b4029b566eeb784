package org.vmap4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.vmap4j.Func.grad;
import static org.vmap4j.Func.jit;
import static org.vmap4j.Func.vmap;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.vmap4j.ir.Program;
import org.vmap4j.ir.ProgramSerializer;
import org.vmap4j.testing.TensorAssertions;

/**
 * Compiled equals eager: for every primitive's case, for random programs, under vmap and grad in
 * both orders; the cache; the program's serialized form.
 */
class JitTest {
  @Provide
  Arbitrary<VmapPropertyTest.Case> cases() {
    return Arbitraries.of(VmapPropertyTest.CASES);
  }

  static void assertClose(Tensor got, Tensor want) {
    assertThat(got.shape()).isEqualTo(want.shape());
    assertThat(got.dtype()).isEqualTo(want.dtype());
    double tol = want.dtype() == DType.F32 ? 1e-5 : 1e-12;
    TensorAssertions.assertClose("jit", got, want, TensorAssertions.Tolerance.allClose(tol, tol));
  }

  static Function<List<Tensor>, Tensor> asListFunction(VmapPropertyTest.Case c) {
    return l -> c.f().apply(l.toArray(new Tensor[0]));
  }

  @Property(tries = 150)
  void jitEqualsEagerForEveryPrimitive(
      @ForAll("cases") VmapPropertyTest.Case c, @ForAll boolean f64, @ForAll long seed) {
    DType t = f64 ? DType.F64 : DType.F32;
    List<Tensor> args = Arrays.asList(c.args().apply(new Random(seed), t));
    Function<List<Tensor>, Tensor> f = asListFunction(c);
    Function<List<Tensor>, Tensor> compiled = jit(f);
    assertClose(compiled.apply(args), f.apply(args));
    // second call: from the cache
    assertClose(compiled.apply(args), f.apply(args));
    // the program survives serialization
    Program p = Func.trace(f, args);
    Program back = ProgramSerializer.fromBytes(ProgramSerializer.toBytes(p));
    assertThat(back.toString()).isEqualTo(p.toString());
    assertClose(back.evaluate(args).get(0), f.apply(args));
  }

  @Property(tries = 60)
  void jitComposesWithVmapInBothOrders(
      @ForAll("cases") VmapPropertyTest.Case c,
      @ForAll @IntRange(min = 1, max = 3) int size,
      @ForAll long seed) {
    Random r = new Random(seed);
    List<Tensor[]> examples = new ArrayList<>();
    for (int b = 0; b < size; b++) {
      examples.add(c.args().apply(new Random(r.nextLong()), DType.F64));
    }
    List<Tensor> batched = new ArrayList<>();
    for (int i = 0; i < examples.get(0).length; i++) {
      Tensor[] xs = new Tensor[size];
      for (int b = 0; b < size; b++) {
        xs[b] = examples.get(b)[i];
      }
      batched.add(Tensor.stack(0, xs));
    }
    Function<List<Tensor>, Tensor> f = asListFunction(c);
    Tensor want = vmap(f).apply(batched);
    assertClose(vmap(jit(f)).apply(batched), want);
    assertClose(jit(vmap(f)).apply(batched), want);
  }

  @Test
  void jitComposesWithGradInBothOrders() {
    Function<Tensor, Tensor> f = x -> x.sin().mul(x.square()).sum();
    Tensor x = Tensor.randomNormal(1, DType.F64, 5);
    Tensor want = grad(f).apply(x);
    assertClose(grad(jit(f)).apply(x), want);
    assertClose(jit(grad(f)).apply(x), want);
    Tensor w = Tensor.randomNormal(2, DType.F64, 4);
    Tensor xs = Tensor.randomNormal(3, DType.F64, 6, 4);
    java.util.function.BiFunction<Tensor, Tensor, Tensor> loss =
        (ww, e) -> e.dot(ww).sigmoid().log().neg();
    var perSample = vmap(grad(loss), InDims.of(null, 0));
    assertClose(jit(perSample).apply(w, xs), perSample.apply(w, xs));
  }

  /** Random programs: chains of element-wise operations, reductions and reshapes. */
  @Property(tries = 200)
  void randomProgramsCompileToTheEagerResult(
      @ForAll @IntRange(min = 1, max = 12) int length,
      @ForAll @IntRange(min = 1, max = 5) int rows,
      @ForAll @IntRange(min = 1, max = 6) int cols,
      @ForAll boolean f64,
      @ForAll long seed) {
    DType t = f64 ? DType.F64 : DType.F32;
    Function<List<Tensor>, Tensor> program =
        inputs -> {
          Random r = new Random(seed);
          List<Tensor> values = new ArrayList<>(inputs);
          for (int i = 0; i < length; i++) {
            Tensor a = values.get(r.nextInt(values.size()));
            Tensor b = values.get(r.nextInt(values.size()));
            Tensor next =
                switch (r.nextInt(12)) {
                  case 0 -> a.sin();
                  case 1 -> a.tanh().mul(b);
                  case 2 -> a.add(b.mul(0.5));
                  case 3 -> a.sub(b).abs().add(1).log();
                  case 4 -> a.sigmoid().div(b.square().add(1));
                  case 5 -> Tensor.where(a.gt(b), a, b.neg());
                  case 6 -> a.maximum(b).mul(2.0).add(a.minimum(b));
                  case 7 -> a.sum(1, true).add(b); // a reduction broadcast back
                  case 8 -> a.max(1, true).sub(a).exp().mul(b);
                  case 9 -> a.transpose().transpose().add(b.mul(1.0));
                  case 10 -> a.reshape(-1).reshape(rows, cols).mul(b.add(0.0));
                  default -> a.mul(b).logSumExp(1, true).add(a.cos());
                };
            values.add(next);
          }
          return values.get(values.size() - 1).sum(1);
        };
    List<Tensor> in =
        List.of(
            Tensor.randomNormal(seed, t, rows, cols), Tensor.randomNormal(seed + 1, t, rows, cols));
    Tensor eager = program.apply(in);
    Tensor compiled = jit(program).apply(in);
    assertThat(compiled.shape()).isEqualTo(eager.shape());
    double tol = f64 ? 1e-10 : 1e-4;
    assertThat(compiled.allClose(eager, tol, tol)).as("%s vs %s", compiled, eager).isTrue();
  }

  /**
   * Fused map-reduce kernels against plain Java loops, for every row length from 1 to 40 (the
   * kernels split a row over several accumulators and finish with a tail, so each length exercises
   * a different split), for sums in F64, F32 and I32 and for a maximum.
   */
  @Test
  void fusedRowReductionsMatchPlainLoops() {
    Random random = new Random(17);
    Function<Tensor, Tensor> sumOfSquaresPlusOne = x -> x.mul(x).add(1).sum(1);
    Function<Tensor, Tensor> maxOfNegated = x -> x.neg().max(1);
    for (int length = 1; length <= 40; length++) {
      int rows = 3;
      double[] d = new double[rows * length];
      int[] n = new int[rows * length];
      for (int i = 0; i < d.length; i++) {
        d[i] = random.nextGaussian();
        n[i] = random.nextInt(2001) - 1000;
      }
      float[] f = new float[d.length];
      for (int i = 0; i < d.length; i++) {
        f[i] = (float) d[i];
      }
      double[] sum64 = jit(sumOfSquaresPlusOne).apply(Tensor.of(d, rows, length)).toDoubleArray();
      float[] sum32 = jit(sumOfSquaresPlusOne).apply(Tensor.of(f, rows, length)).toFloatArray();
      int[] sumInt = jit(sumOfSquaresPlusOne).apply(Tensor.of(n, rows, length)).toIntArray();
      double[] max64 = jit(maxOfNegated).apply(Tensor.of(d, rows, length)).toDoubleArray();
      for (int r = 0; r < rows; r++) {
        double want64 = 0;
        double want32 = 0;
        int wantInt = 0;
        double wantMax = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < length; j++) {
          int k = r * length + j;
          want64 += d[k] * d[k] + 1;
          want32 += f[k] * f[k] + 1f;
          wantInt += n[k] * n[k] + 1;
          wantMax = Math.max(wantMax, -d[k]);
        }
        String at = "row " + r + " of length " + length;
        assertThat(sum64[r]).as(at).isCloseTo(want64, within(1e-12 * want64));
        assertThat(sum32[r]).as(at).isCloseTo((float) want32, within(1e-6f * (float) want32));
        assertThat(sumInt[r]).as(at).isEqualTo(wantInt);
        assertThat(max64[r]).as(at).isEqualTo(wantMax);
      }
    }
  }

  @Test
  void oneCompilationPerSignature() {
    int[] traces = {0};
    Function<Tensor, Tensor> f =
        x -> {
          traces[0]++;
          return x.exp().sum();
        };
    Function<Tensor, Tensor> g = jit(f);
    g.apply(Tensor.zeros(DType.F32, 3));
    g.apply(Tensor.ones(DType.F32, 3));
    assertThat(traces[0]).isEqualTo(1);
    g.apply(Tensor.ones(DType.F32, 4));
    g.apply(Tensor.ones(DType.F64, 4));
    assertThat(traces[0]).isEqualTo(3);
  }

  @Test
  void javaControlFlowOnValuesIsAnErrorNamingJit() {
    Function<Tensor, Tensor> f = x -> x.sum().item() > 0 ? x : x.neg();
    assertThatThrownBy(() -> jit(f).apply(Tensor.ones(DType.F32, 2)))
        .hasMessageContaining("item()")
        .hasMessageContaining("jit")
        .hasMessageContaining("Tensor.where");
  }

  @Test
  void randomDrawsAreStagedNotBakedIn() {
    Function<Tensor, Tensor> f = x -> x.add(Tensor.randomUniform(5, DType.F64, 3));
    Tensor x = Tensor.zeros(DType.F64, 3);
    Program p = Func.trace(f, x);
    assertThat(p.toString()).contains("random_uniform");
    assertClose(jit(f).apply(x), f.apply(x));
  }
}
