package org.vmap4j.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.vmap4j.DType;
import org.vmap4j.Tensor;
import org.vmap4j.TensorType;
import org.vmap4j.backend.Plan;
import org.vmap4j.backend.PlanStep;
import org.vmap4j.backend.StepRunner;
import org.vmap4j.cpu.CpuTensor;
import org.vmap4j.gpu.ptx.PtxKernelRenderer;
import org.vmap4j.interpreter.Interpreters;
import org.vmap4j.interpreter.Params;
import org.vmap4j.interpreter.Shapes;
import org.vmap4j.ir.Program;
import org.vmap4j.ir.Var;
import org.vmap4j.kernel.IndexLoad;
import org.vmap4j.kernel.KernelDescription;
import org.vmap4j.kernel.Mask;
import org.vmap4j.kernel.ScalarOp;
import org.vmap4j.kernel.ScalarStep;
import org.vmap4j.kernel.View;
import org.vmap4j.prim.Concatenate;
import org.vmap4j.prim.Gather;
import org.vmap4j.prim.Pad;

/**
 * Index loads under a mask: one kernel that reads a gather through a pad's or a concatenation's
 * masked view (what fusing a gather into a pad or a concatenation gives), placed on the GPU as a
 * fused step, run by {@link PtxInterpreter} on poisoned memory and compared with the CPU running
 * the gather and then the pad or concatenation as separate primitives; each kernel also compiles
 * with nvPTXCompiler and ptxas for sm_80 and sm_90.
 *
 * <p>No compiler pass builds such a kernel yet (fusion does not absorb pads, concatenations or
 * gathers), so each is composed here from the primitives' own descriptions: the pad's or
 * concatenation's masked read of the gathered operand is replaced by the gather's read of {@code
 * x}, with its strides over the gather's output dimensions applied to the position inside the mask,
 * and the gather's indices become a new input read through a view masked over the same points.
 */
class MaskedIndexLoadsTest {
  private static final List<DType> DTYPES =
      List.of(DType.F32, DType.F64, DType.I32, DType.I64, DType.BOOL);
  private final RandomDraws draws = new RandomDraws(20261207);
  private final Random random = draws.random;

  @Test
  void aPadOfAGatherMatchesTheCpu() {
    for (int trial = 0; trial < 40; trial++) {
      Gathered g = gathered(draws.pick(DTYPES));
      int rank = g.type().ndim();
      int[] low = draws.ints(rank, 3);
      int[] high = draws.ints(rank, 3);
      int[] interior = draws.ints(rank, 3);
      double value = g.x().dtype() == DType.BOOL ? 1 : random.nextInt(9) - 4 + 0.5;
      Params p = Pad.params(low, high, interior, value);
      TensorType out = Pad.PAD.inferType(new TensorType[] {g.type()}, p);
      KernelDescription pad = Pad.PAD.kernel(new TensorType[] {g.type()}, p, out);
      Tensor want = Interpreters.bind1(Pad.PAD, p, g.cpu());
      check("pad of " + g, g.into(pad, 0), List.of(g.x(), g.indices()), want);
    }
  }

  @Test
  void aConcatenationWithAGatheredOperandMatchesTheCpu() {
    for (int trial = 0; trial < 40; trial++) {
      Gathered g = gathered(draws.pick(DTYPES));
      int axis = random.nextInt(g.type().ndim());
      int[] other = g.type().shape().clone();
      other[axis] = random.nextInt(4);
      Tensor y = draws.values(g.x().dtype(), other);
      boolean gatherFirst = random.nextBoolean();
      Tensor[] operands = gatherFirst ? new Tensor[] {g.cpu(), y} : new Tensor[] {y, g.cpu()};
      TensorType[] types = {operands[0].type(), operands[1].type()};
      Params p = Concatenate.params(axis);
      TensorType out = Concatenate.CONCATENATE.inferType(types, p);
      KernelDescription concat = Concatenate.CONCATENATE.kernel(types, p, out);
      Tensor want = Interpreters.bind1(Concatenate.CONCATENATE, p, operands);
      List<Tensor> args =
          gatherFirst ? List.of(g.x(), y, g.indices()) : List.of(y, g.x(), g.indices());
      check("concatenate of " + g, g.into(concat, gatherFirst ? 0 : 1), args, want);
    }
  }

  /** The masked gather read inside arithmetic, as a fused kernel would hold it: pad(gather) + z. */
  @Test
  void aPaddedGatherInsideAnElementwiseKernelMatchesTheCpu() {
    for (int trial = 0; trial < 20; trial++) {
      DType t = draws.pick(List.of(DType.F32, DType.F64, DType.I32, DType.I64));
      Gathered g = gathered(t);
      int rank = g.type().ndim();
      Params p = Pad.params(draws.ints(rank, 2), draws.ints(rank, 2), draws.ints(rank, 2), -1.5);
      TensorType out = Pad.PAD.inferType(new TensorType[] {g.type()}, p);
      KernelDescription pad = Pad.PAD.kernel(new TensorType[] {g.type()}, p, out);
      KernelDescription sum =
          new KernelDescription(
              List.of(new ScalarStep("t0", ScalarOp.ADD, t, List.of("x0", "x1"), List.of(t, t))),
              "t0",
              t,
              List.of(t, t),
              out.shape(),
              null,
              0,
              List.of(pad.views().get(0), View.CONTIGUOUS));
      Tensor z = draws.values(t, out.shape());
      Tensor want = Interpreters.bind1(Pad.PAD, p, g.cpu()).add(z);
      check("pad of " + g + " plus z", g.into(sum, 0), List.of(g.x(), z, g.indices()), want);
    }
  }

  /**
   * An index outside its bound fails with the CPU's message, also when the point that reads it is
   * outside the pad's mask or no point reads it at all (every index value is checked).
   */
  @Test
  void anIndexOutsideTheRangeFailsWithTheCpusMessage() {
    Tensor x = draws.values(DType.F32, new int[] {3, 4});
    for (long bad : new long[] {4, -1}) {
      Tensor idx = Tensor.of(new long[] {0, 2, bad, 1, bad}, 5);
      Gathered g = new Gathered(x, idx, 1, 0);
      Params p = Pad.params(new int[] {1, 0}, new int[] {0, 2}, new int[] {1, 0}, 0);
      String cpu = null;
      try {
        Interpreters.bind1(Pad.PAD, p, g.cpu());
      } catch (IndexOutOfBoundsException e) {
        cpu = e.getMessage();
      }
      assertThat(cpu).contains("index " + bad + " at flat position 2");
      String expected = cpu;
      TensorType out = Pad.PAD.inferType(new TensorType[] {g.type()}, p);
      KernelDescription k = g.into(Pad.PAD.kernel(new TensorType[] {g.type()}, p, out), 0);
      assertThatThrownBy(() -> run(plan(k, List.of(x.type(), idx.type())), List.of(x, idx)))
          .isInstanceOf(IndexOutOfBoundsException.class)
          .hasMessageStartingWith(expected);
    }
  }

  /**
   * An index input whose mask covers other points than the view that loads it would read a fill
   * value as an index somewhere: the renderer says so, and placement leaves the step to the CPU
   * with that reason (a value, not an exception).
   */
  @Test
  void indicesMaskedOverOtherPointsStayOffTheGpuWithTheReason() {
    Gathered g =
        new Gathered(draws.values(DType.F64, new int[] {3, 4}), indices(new int[] {5}, 4), 1, 0);
    Params p = Pad.params(new int[] {1, 1}, new int[] {0, 0}, new int[] {0, 0}, 0);
    TensorType out = Pad.PAD.inferType(new TensorType[] {g.type()}, p);
    KernelDescription k = g.into(Pad.PAD.kernel(new TensorType[] {g.type()}, p, out), 0);
    List<View> views = new ArrayList<>(k.views());
    View idx = views.get(1);
    Mask m = idx.mask();
    int[] shifted = m.low().clone();
    shifted[0]++;
    views.set(
        1,
        View.masked(idx.shape(), idx.strides(), 0, Mask.filled(shifted, m.step(), m.count(), 0)));
    KernelDescription elsewhere = k.withViews(views);
    String why = PtxKernelRenderer.unsupported(elsewhere);
    assertThat(why).contains("x0 loads indices from x1 through a masked view");
    GpuPlan placed = plan(elsewhere, List.of(g.x().type(), g.indices().type()));
    assertThat(placed.steps()).singleElement().isInstanceOf(GpuPlan.OnCpu.class);
    assertThat(((GpuPlan.OnCpu) placed.steps().get(0)).reason()).isEqualTo(why);
    assertThat(PtxKernelRenderer.unsupported(k)).isNull();
  }

  /**
   * Places {@code k} as a fused step, checks it lands on the GPU checking its indices, runs it
   * through {@link InterpretedGpu} and compares with {@code want}; then compiles its PTX.
   */
  private static void check(String what, KernelDescription k, List<Tensor> args, Tensor want) {
    List<TensorType> types = new ArrayList<>();
    args.forEach(a -> types.add(a.type()));
    GpuPlan plan = plan(k, types);
    assertThat(plan.steps()).as(what).singleElement().isInstanceOf(GpuPlan.Kernel.class);
    GpuPlan.Kernel kernel = (GpuPlan.Kernel) plan.steps().get(0);
    assertThat(kernel.checksIndices()).as(what).isTrue();
    List<CpuTensor> got;
    try {
      got = run(plan, args);
    } catch (RuntimeException e) {
      throw new AssertionError(what + ": " + e.getMessage() + "\n" + k.views(), e);
    }
    GpuTestSupport.assertMatchesCpu(what + " " + k.views(), got, List.of((CpuTensor) want));
    KernelCompilation.check(what, kernel.ptx());
  }

  private static List<CpuTensor> run(GpuPlan plan, List<Tensor> args) {
    List<CpuTensor> in = new ArrayList<>();
    args.forEach(a -> in.add((CpuTensor) a));
    return InterpretedGpu.run(plan, in);
  }

  /** The GPU placement of a plan of one fused step: {@code k} over inputs of {@code types}. */
  private static GpuPlan plan(KernelDescription k, List<TensorType> types) {
    List<Var> inputs = new ArrayList<>();
    types.forEach(t -> inputs.add(new Var(t)));
    Var output = new Var(new TensorType(k.resultType(), k.shape()));
    Program program = new Program(inputs, List.of(), List.of(), List.of(), List.of(output));
    PlanStep.Fused step =
        new PlanStep.Fused() {
          @Override
          public KernelDescription kernel() {
            return k;
          }

          @Override
          public Var output() {
            return output;
          }

          @Override
          public List<Var> reads() {
            return inputs;
          }
        };
    return GpuPlan.of(
        new Plan() {
          @Override
          public Program program() {
            return program;
          }

          @Override
          public List<? extends PlanStep> steps() {
            return List.of(step);
          }

          @Override
          public StepRunner cpuSteps() {
            throw new UnsupportedOperationException("every step of this plan runs on the GPU");
          }
        });
  }

  /** {@code gather(x, indices)} along {@code axis} with {@code nb} batch dimensions. */
  private record Gathered(Tensor x, Tensor indices, int axis, int nb) {
    Params params() {
      return Gather.params(axis, nb);
    }

    /** The gather's result, by the CPU. */
    Tensor cpu() {
      return Interpreters.bind1(Gather.GATHER, params(), x, indices);
    }

    TensorType type() {
      return Gather.GATHER.inferType(new TensorType[] {x.type(), indices.type()}, params());
    }

    /**
     * {@code k} with its input {@code i} (a masked row-major read of this gather's result) read
     * from {@code x} through the gather instead, and the indices appended as the last input, read
     * through a view masked over the same points. Along the result's dimensions (x's before the
     * axis, the indices' after the batch dimensions, x's after the axis) x moves by its row-major
     * strides, or 0 along the indices' dimensions; the indices by theirs along the batch and index
     * dimensions, else 0; the gathered axis is the index load.
     */
    KernelDescription into(KernelDescription k, int i) {
      View read = k.views().get(i);
      int[] gatheredShape = type().shape();
      assertThat(read.strides()).isEqualTo(Shapes.contiguousStrides(gatheredShape));
      assertThat(read.offset()).isZero();
      int[] xs = x.shape();
      int[] is = indices.shape();
      int[] xr = Shapes.contiguousStrides(xs);
      int[] ir = Shapes.contiguousStrides(is);
      int rank = gatheredShape.length;
      int[] xStrides = new int[rank];
      int[] iStrides = new int[rank];
      for (int d = 0; d < axis; d++) {
        xStrides[d] = xr[d];
        iStrides[d] = d < nb ? ir[d] : 0;
      }
      for (int j = 0; j < is.length - nb; j++) {
        iStrides[axis + j] = ir[nb + j];
      }
      for (int j = 0; j < xs.length - axis - 1; j++) {
        xStrides[axis + is.length - nb + j] = xr[axis + 1 + j];
      }
      int indexInput = k.inputTypes().size();
      Mask m = read.mask();
      List<View> views = new ArrayList<>(k.views());
      views.set(
          i,
          new View(
              xs,
              xStrides,
              0,
              List.of(new IndexLoad(indexInput, xr[axis], xs[axis], "gather")),
              m));
      views.add(View.masked(is, iStrides, 0, Mask.filled(m.low(), m.step(), m.count(), 0)));
      List<DType> types = new ArrayList<>(k.inputTypes());
      types.add(indices.dtype());
      return new KernelDescription(
          k.steps(),
          k.result(),
          k.resultType(),
          types,
          k.shape(),
          k.reduce(),
          k.reducedDims(),
          views);
    }

    @Override
    public String toString() {
      return "gather(" + x.type() + ", " + indices.type() + ", axis " + axis + ", nb " + nb + ")";
    }
  }

  /** A random gather: x of rank 1 to 3, batch dimensions, indices of rank nb to nb + 2. */
  private Gathered gathered(DType t) {
    int[] xs = draws.shape(1 + random.nextInt(3));
    int nb = random.nextInt(xs.length);
    int axis = nb + random.nextInt(xs.length - nb);
    xs[axis] = 1 + random.nextInt(4);
    int[] is = Arrays.copyOf(xs, nb + random.nextInt(3));
    for (int d = nb; d < is.length; d++) {
      is[d] = 1 + random.nextInt(3);
    }
    DType it = draws.pick(List.of(DType.I32, DType.I64));
    return new Gathered(draws.values(t, xs), indices(is, xs[axis]).astype(it), axis, nb);
  }

  private Tensor indices(int[] shape, int n) {
    long[] v = new long[Shapes.size(shape)];
    for (int i = 0; i < v.length; i++) {
      v[i] = random.nextInt(n);
    }
    return Tensor.of(v, shape);
  }
}
