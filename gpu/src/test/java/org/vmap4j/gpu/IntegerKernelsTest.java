package org.vmap4j.gpu;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.vmap4j.DType;
import org.vmap4j.Func;
import org.vmap4j.Tensor;
import org.vmap4j.compiler.Executable;
import org.vmap4j.compiler.ProgramCompiler;
import org.vmap4j.cpu.CpuTensor;

/**
 * Fused kernels over I32 and I64 values (arithmetic that wraps, max/min, neg/abs/sign of the
 * extremes, comparisons, select, Java's casts from and to floating types with NaN, infinities and
 * out-of-range values, sum/max/min reductions longer than a warp) placed on the GPU, run by {@link
 * PtxInterpreter} on poisoned memory, equal to the CPU's results exactly.
 */
class IntegerKernelsTest {
  private final Random random = new Random(7);

  @Test
  void arithmeticWrapsAsJavas() {
    for (DType t : List.of(DType.I32, DType.I64)) {
      Tensor a = ints(t, 5, 67);
      Tensor b = ints(t, 5, 67);
      check("(a+b)*a-b " + t, xs -> xs[0].add(xs[1]).mul(xs[0]).sub(xs[1]), a, b);
      check("max-min " + t, xs -> xs[0].maximum(xs[1]).sub(xs[0].minimum(xs[1])), a, b);
      check("neg " + t, xs -> xs[0].neg().add(xs[1]), a, b);
      check("abs " + t, xs -> xs[0].abs().add(xs[1]), a, b);
      check("sign " + t, xs -> xs[0].sign().add(xs[1]), a, b);
    }
  }

  @Test
  void comparisonsAndSelect() {
    for (DType t : List.of(DType.I32, DType.I64)) {
      Tensor a = ints(t, 4, 50);
      Tensor b = Tensor.where(Tensor.randomUniform(3, DType.F64, 4, 50).lt(0.3), a, ints(t, 4, 50));
      check("where(a<b) " + t, xs -> Tensor.where(xs[0].lt(xs[1]), xs[0], xs[1]), a, b);
      check("le " + t, xs -> xs[0].le(xs[1]), a, b);
      check("gt " + t, xs -> xs[0].gt(xs[1]), a, b);
      check("ge " + t, xs -> xs[0].ge(xs[1]), a, b);
      check("eq " + t, xs -> xs[0].eq(xs[1]), a, b);
      check("ne " + t, xs -> xs[0].ne(xs[1]), a, b);
    }
  }

  @Test
  void conversionsFollowJavasCasts() {
    double[] specials = {
      Double.NaN,
      Double.POSITIVE_INFINITY,
      Double.NEGATIVE_INFINITY,
      -0.0,
      0.0,
      2.5,
      -2.5,
      0.999,
      -0.999,
      3e9,
      -3e9,
      1e19,
      -1e19,
      2147483647.0,
      -2147483648.0,
      9.3e18,
      16777217.0
    };
    for (DType from : List.of(DType.F32, DType.F64)) {
      double[] v = new double[64];
      for (int i = 0; i < v.length; i++) {
        v[i] = i < specials.length ? specials[i] : random.nextGaussian() * 1e3;
      }
      Tensor f = Tensor.of(v, 64).astype(from);
      for (DType to : List.of(DType.I32, DType.I64)) {
        check(from + " -> " + to, xs -> xs[0].astype(to).add(xs[1]), f, ints(to, 64));
      }
    }
    for (DType t : List.of(DType.I32, DType.I64)) {
      Tensor a = ints(t, 80);
      for (DType to : List.of(DType.F32, DType.F64)) {
        check(t + " -> " + to, xs -> xs[0].astype(to).mul(2), a);
      }
      DType other = t == DType.I32 ? DType.I64 : DType.I32;
      check(t + " -> " + other, xs -> xs[0].astype(other).add(xs[1]), a, ints(other, 80));
      check(
          t + " -> bool",
          xs -> Tensor.where(xs[0].astype(DType.BOOL), xs[1], xs[0]),
          a,
          ints(t, 80));
      check("bool -> " + t, xs -> xs[0].gt(0).astype(t).add(xs[0]), a);
    }
  }

  @Test
  void reductionsOverRowsLongerThanAWarp() {
    for (DType t : List.of(DType.I32, DType.I64)) {
      Tensor a = ints(t, 7, 300);
      check("sum " + t, xs -> xs[0].mul(xs[0]).sum(1), a);
      check("max " + t, xs -> xs[0].add(1).max(1), a);
      check("min " + t, xs -> xs[0].sub(1).min(1), a);
      check("sum over axis 0 " + t, xs -> xs[0].sum(0), a);
      check("max of everything " + t, xs -> xs[0].max(), a);
    }
  }

  /**
   * Runs a plan on "the device": here {@link PtxInterpreter} through {@link InterpretedGpu}; the
   * {@code Gpu...} subclass runs the same cases through {@link CudaProgram} on a GPU.
   */
  List<CpuTensor> device(GpuPlan plan, List<CpuTensor> in) {
    return InterpretedGpu.run(plan, in);
  }

  void check(String what, Function<Tensor[], Tensor> f, Tensor... args) {
    GpuPlan plan = GpuPlan.of(ProgramCompiler.plan(Func.trace(f, args)));
    List<String> onCpu = new ArrayList<>();
    plan.steps().stream()
        .filter(s -> s instanceof GpuPlan.OnCpu)
        .forEach(s -> onCpu.add(s.describe()));
    assertThat(onCpu).as(what).isEmpty();
    assertThat(plan.deviceSteps()).as(what).isGreaterThan(0);
    List<CpuTensor> in = new ArrayList<>();
    for (Tensor a : args) {
      in.add((CpuTensor) a);
    }
    List<CpuTensor> want = Executable.of(plan.plan()).run(in);
    List<CpuTensor> got = device(plan, in);
    for (int i = 0; i < want.size(); i++) {
      CpuTensor w = want.get(i);
      CpuTensor g = got.get(i);
      assertThat(g.dtype()).as(what).isEqualTo(w.dtype());
      assertThat(g.shape()).as(what).isEqualTo(w.shape());
      for (int j = 0; j < w.size(); j++) {
        if (w.dtype().isInteger()) {
          assertThat(g.getLong(j)).as("%s element %d", what, j).isEqualTo(w.getLong(j));
        } else {
          assertThat(g.getDouble(j)).as("%s element %d", what, j).isEqualTo(w.getDouble(j));
        }
      }
    }
    for (GpuPlan.Step s : plan.steps()) {
      String ptx =
          s instanceof GpuPlan.Kernel k ? k.ptx() : s instanceof GpuPlan.Strided k ? k.ptx() : null;
      if (ptx != null) {
        KernelCompilation.check(what, ptx);
      }
    }
  }

  /** Random integers with the extremes and their neighbours mixed in, so products wrap. */
  private Tensor ints(DType t, int... shape) {
    int n = org.vmap4j.interpreter.Shapes.size(shape);
    long[] v = new long[n];
    long min = t == DType.I32 ? Integer.MIN_VALUE : Long.MIN_VALUE;
    long max = t == DType.I32 ? Integer.MAX_VALUE : Long.MAX_VALUE;
    long[] specials = {min, min + 1, max, max - 1, -1, 0, 1};
    for (int i = 0; i < n; i++) {
      int pick = random.nextInt(10);
      v[i] =
          pick < 2
              ? specials[random.nextInt(specials.length)]
              : pick < 6 ? random.nextInt(2001) - 1000 : random.nextLong();
      if (t == DType.I32) {
        v[i] = (int) v[i];
      }
    }
    Tensor x = Tensor.of(v, shape);
    return t == DType.I64 ? x : x.astype(DType.I32);
  }
}
