package org.vmap4j.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import org.vmap4j.gpu.ptx.IndexPrimitives;
import org.vmap4j.gpu.ptx.PtxKernelRenderer;
import org.vmap4j.interpreter.Interpreters;
import org.vmap4j.interpreter.Params;
import org.vmap4j.interpreter.Primitive;
import org.vmap4j.prim.Argmax;
import org.vmap4j.prim.Concatenate;
import org.vmap4j.prim.DotGeneral;
import org.vmap4j.prim.Gather;
import org.vmap4j.prim.Pad;
import org.vmap4j.prim.ScatterAdd;

/**
 * pad, concatenate, gather, scatter_add, argmax and dot_general with scattered dimension groups,
 * each on random shapes (size-0 and size-1 dimensions, batch dimensions, every dtype they accept),
 * placed on the GPU and run by {@link PtxInterpreter} on poisoned memory, against the CPU.
 */
class IndexPrimitivesTest {
  private static final List<DType> NUMERIC = List.of(DType.F32, DType.F64, DType.I32, DType.I64);
  private final RandomDraws draws = new RandomDraws(20261126);
  private final Random random = draws.random;

  @Test
  void padMatchesTheCpu() {
    for (int trial = 0; trial < 60; trial++) {
      DType t = draws.pick(List.of(DType.F32, DType.F64, DType.I32, DType.I64, DType.BOOL));
      int[] shape = draws.shape(1 + random.nextInt(3));
      int r = shape.length;
      int[] low = draws.ints(r, 3);
      int[] high = draws.ints(r, 3);
      int[] interior = draws.ints(r, 3);
      double value = t == DType.BOOL ? random.nextInt(2) : random.nextInt(9) - 4 + 0.5;
      check(
          "pad " + t + java.util.Arrays.toString(shape),
          Pad.PAD,
          Pad.params(low, high, interior, value),
          draws.values(t, shape));
    }
  }

  @Test
  void concatenateMatchesTheCpu() {
    for (int trial = 0; trial < 60; trial++) {
      DType t = draws.pick(List.of(DType.F32, DType.F64, DType.I32, DType.I64, DType.BOOL));
      int[] shape = draws.shape(1 + random.nextInt(3));
      int axis = random.nextInt(shape.length);
      int operands = 1 + random.nextInt(4);
      Tensor[] xs = new Tensor[operands];
      for (int i = 0; i < operands; i++) {
        int[] s = shape.clone();
        s[axis] = random.nextInt(4);
        xs[i] = draws.values(t, s);
      }
      check("concatenate " + t, Concatenate.CONCATENATE, Concatenate.params(axis), xs);
    }
  }

  @Test
  void gatherMatchesTheCpu() {
    for (int trial = 0; trial < 60; trial++) {
      DType t = draws.pick(List.of(DType.F32, DType.F64, DType.I32, DType.I64, DType.BOOL));
      DType it = draws.pick(List.of(DType.I32, DType.I64));
      int[] xs = draws.shape(1 + random.nextInt(4));
      int nb = random.nextInt(xs.length);
      int axis = nb + random.nextInt(xs.length - nb);
      xs[axis] = 1 + random.nextInt(4);
      int[] is = concat(java.util.Arrays.copyOf(xs, nb), draws.shape(random.nextInt(3)));
      check(
          "gather " + t + " by " + it,
          Gather.GATHER,
          Gather.params(axis, nb),
          draws.values(t, xs),
          indices(it, is, xs[axis]));
    }
  }

  @Test
  void scatterAddMatchesTheCpu() {
    for (int trial = 0; trial < 60; trial++) {
      DType t = draws.pick(NUMERIC);
      DType it = draws.pick(List.of(DType.I32, DType.I64));
      int[] xs = draws.shape(1 + random.nextInt(4));
      int nb = random.nextInt(xs.length);
      int axis = nb + random.nextInt(xs.length - nb);
      xs[axis] = 1 + random.nextInt(3); // few positions: indices repeat
      int[] is = concat(java.util.Arrays.copyOf(xs, nb), draws.shape(random.nextInt(3)));
      Tensor x = draws.values(t, xs);
      Tensor idx = indices(it, is, xs[axis]);
      Tensor updates =
          draws.values(
              t, Interpreters.bind1(Gather.GATHER, Gather.params(axis, nb), x, idx).shape());
      check(
          "scatter_add " + t + " by " + it,
          ScatterAdd.SCATTER_ADD,
          Gather.params(axis, nb),
          x,
          idx,
          updates);
    }
  }

  @Test
  void argmaxFindsTheFirstMaximumAndTheFirstNan() {
    for (int trial = 0; trial < 60; trial++) {
      DType t = draws.pick(NUMERIC);
      int[] shape = draws.shape(1 + random.nextInt(3));
      int axis = random.nextInt(shape.length);
      shape[axis] = 1 + random.nextInt(6);
      Tensor x = draws.values(t, shape);
      if (t.isFloating() && random.nextBoolean()) {
        // NaNs at random places
        Tensor mask = Tensor.randomUniform(random.nextLong(), DType.F64, shape).lt(0.2);
        x = Tensor.where(mask, Tensor.full(t, Double.NaN, shape), x);
      }
      check("argmax " + t, Argmax.ARGMAX, Argmax.params(axis), x);
    }
  }

  @Test
  void dotGeneralWithScatteredGroupsTransposesThenMultiplies() {
    for (DType t : List.of(DType.F32, DType.F64)) {
      // batch dims 0 and 2 of lhs are not adjacent; rhs [k, b0, n, b1] has every group apart
      Tensor l = Tensor.randomNormal(1, t, 2, 5, 3, 7);
      Tensor r = Tensor.randomNormal(2, t, 7, 2, 4, 3);
      Params p =
          DotGeneral.params(new int[] {3}, new int[] {0}, new int[] {0, 2}, new int[] {1, 3});
      GpuPlan plan = check("dot_general " + t, DotGeneral.DOT_GENERAL, p, l, r);
      assertThat(transposedGemmParts(plan)).isEqualTo(3);
      // only the rhs needs a transpose here
      Tensor l2 = Tensor.randomNormal(3, t, 2, 3, 5, 7);
      GpuPlan rhsOnly =
          check(
              "dot_general rhs only " + t,
              DotGeneral.DOT_GENERAL,
              DotGeneral.params(new int[] {3}, new int[] {0}, new int[] {0, 1}, new int[] {1, 3}),
              l2,
              r);
      assertThat(transposedGemmParts(rhsOnly)).isEqualTo(2);
      // several GEMM tiles after the transpose, contracting over two scattered dimensions
      check(
          "dot_general multi-tile " + t,
          DotGeneral.DOT_GENERAL,
          DotGeneral.params(new int[] {0, 2}, new int[] {1, 0}, new int[0], new int[0]),
          Tensor.randomNormal(6, t, 3, 70, 5),
          Tensor.randomNormal(7, t, 5, 3, 90));
    }
  }

  private static int transposedGemmParts(GpuPlan plan) {
    for (GpuPlan.Step s : plan.steps()) {
      if (s instanceof GpuPlan.TransposedGemm t) {
        assertThat(t.parts().get(t.parts().size() - 1)).isInstanceOf(GpuPlan.Gemm.class);
        return t.parts().size();
      }
    }
    throw new AssertionError("no transposed GEMM in " + plan.steps());
  }

  @Test
  void anIndexOutsideTheRangeFailsWithTheCpusMessage() {
    Tensor x = Tensor.randomNormal(4, DType.F32, 3, 4);
    for (long bad : new long[] {4, -1}) {
      Tensor idx = Tensor.of(new long[] {0, 2, bad, 1, bad}, 5);
      GpuPlan plan = plan(Gather.GATHER, Gather.params(1, 0), x, idx);
      assertThat(plan.steps()).anySatisfy(s -> assertThat(s).isInstanceOf(GpuPlan.Indexed.class));
      List<CpuTensor> in = List.of((CpuTensor) x, (CpuTensor) idx);
      String cpu = null;
      try {
        Executable.of(plan.plan()).run(in);
      } catch (IndexOutOfBoundsException e) {
        cpu = e.getMessage();
      }
      assertThat(cpu).isNotNull();
      String expected = cpu;
      assertThatThrownBy(() -> device(plan, in))
          .isInstanceOf(IndexOutOfBoundsException.class)
          .hasMessageStartingWith(expected);
      Tensor updates = Tensor.randomNormal(5, DType.F32, 3, 5);
      GpuPlan scatter = plan(ScatterAdd.SCATTER_ADD, Gather.params(1, 0), x, idx, updates);
      assertThatThrownBy(
              () -> device(scatter, List.of((CpuTensor) x, (CpuTensor) idx, (CpuTensor) updates)))
          .isInstanceOf(IndexOutOfBoundsException.class)
          .hasMessageContaining("scatter_add: index " + bad + " at flat position 2 of the indices");
    }
  }

  /** The kernel itself flags the first bad position, also where no element moves. */
  @Test
  void theKernelChecksEveryIndexEvenWhenNothingMoves() {
    var x = new org.vmap4j.ir.Var(new org.vmap4j.TensorType(DType.F64, new int[] {0, 4}));
    var idx = new org.vmap4j.ir.Var(new org.vmap4j.TensorType(DType.I32, new int[] {3}));
    var out = new org.vmap4j.ir.Var(new org.vmap4j.TensorType(DType.F64, new int[] {0, 3}));
    var description =
        Gather.GATHER.kernel(
            new org.vmap4j.TensorType[] {x.type(), idx.type()}, Gather.params(1, 0), out.type());
    var k =
        new IndexPrimitives.Kernel(
            PtxKernelRenderer.render(description),
            (int) PtxKernelRenderer.threads(description),
            true,
            false);
    assertThat(k.n()).isEqualTo(3);
    PtxInterpreter.Memory mem = new PtxInterpreter.Memory();
    long xs = mem.allocate(0, true);
    long is = mem.allocate(12, false);
    mem.buffer(is).putInt(0, 1).putInt(4, 7).putInt(8, -2);
    long ys = mem.allocate(0, true);
    long err = mem.allocate(4, false);
    mem.buffer(err).putInt(0, IndexPrimitives.NO_ERROR);
    new PtxInterpreter(k.ptx()).launch(mem, List.of(xs, is, ys, err, k.n()), 1, 1, 1, 256);
    assertThat(mem.buffer(err).getInt(0)).isEqualTo(1);
  }

  /** The CPU checks every index even when no element moves; so does the GPU. */
  @Test
  void anIndexOutsideTheRangeFailsEvenWhenNothingMoves() {
    Tensor x = Tensor.zeros(DType.F64, 0, 4);
    Tensor idx = Tensor.of(new int[] {1, 7, 2}, 3);
    GpuPlan plan = plan(Gather.GATHER, Gather.params(1, 0), x, idx);
    List<CpuTensor> in = List.of((CpuTensor) x, (CpuTensor) idx);
    assertThatThrownBy(() -> Executable.of(plan.plan()).run(in))
        .isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> device(plan, in))
        .isInstanceOf(IndexOutOfBoundsException.class)
        .hasMessageContaining("gather: index 7 at flat position 1 of the indices");
  }

  /**
   * Runs a plan on "the device": here {@link PtxInterpreter} through {@link InterpretedGpu}; the
   * {@code Gpu...} subclass runs the same cases through {@link CudaProgram} on a GPU.
   */
  List<CpuTensor> device(GpuPlan plan, List<CpuTensor> in) {
    return InterpretedGpu.run(plan, in);
  }

  GpuPlan check(String what, Primitive prim, Params params, Tensor... args) {
    GpuPlan plan = plan(prim, params, args);
    assertThat(plan.steps())
        .as(what + ": " + plan.steps())
        .anySatisfy(
            s ->
                assertThat(s).isInstanceOfAny(GpuPlan.Indexed.class, GpuPlan.TransposedGemm.class));
    List<CpuTensor> in = new ArrayList<>();
    for (Tensor a : args) {
      in.add((CpuTensor) a);
    }
    List<CpuTensor> want = Executable.of(plan.plan()).run(in);
    GpuTestSupport.assertMatchesCpu(what, device(plan, in), want);
    compiles(what, plan);
    return plan;
  }

  /**
   * Every new kind of kernel of the plan compiles for sm_80 and sm_90 (see {@link
   * KernelCompilation}).
   */
  private static void compiles(String what, GpuPlan plan) {
    List<String> texts = new ArrayList<>();
    for (GpuPlan.Step s : plan.steps()) {
      if (s instanceof GpuPlan.Indexed k) {
        texts.add(k.ptx());
      } else if (s instanceof GpuPlan.TransposedGemm t) {
        for (GpuPlan.Step part : t.parts()) {
          texts.add(part instanceof GpuPlan.Gemm g ? g.ptx() : ((GpuPlan.Strided) part).ptx());
        }
      }
    }
    for (String ptx : texts) {
      KernelCompilation.check(what, ptx);
    }
  }

  private static GpuPlan plan(Primitive prim, Params params, Tensor... args) {
    Function<Tensor[], Tensor> f = xs -> Interpreters.bind1(prim, params, xs);
    return GpuPlan.of(ProgramCompiler.plan(Func.trace(f, args)));
  }

  private static int[] concat(int[] a, int[] b) {
    int[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private Tensor indices(DType t, int[] shape, int n) {
    int size = org.vmap4j.interpreter.Shapes.size(shape);
    long[] v = new long[size];
    for (int i = 0; i < size; i++) {
      v[i] = random.nextInt(n);
    }
    return Tensor.of(v, shape).astype(t);
  }
}
