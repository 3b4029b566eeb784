package org.vmap4j.gpu;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.vmap4j.TensorType;
import org.vmap4j.backend.Plan;
import org.vmap4j.backend.PlanStep;
import org.vmap4j.gpu.ptx.GemmPtx;
import org.vmap4j.gpu.ptx.PtxKernelRenderer;
import org.vmap4j.ir.Equation;
import org.vmap4j.kernel.Contraction;
import org.vmap4j.kernel.GemmDescription;
import org.vmap4j.kernel.GemmPrimitive;
import org.vmap4j.kernel.IndexLoad;
import org.vmap4j.kernel.IndexReduction;
import org.vmap4j.kernel.IndexReductionPrimitive;
import org.vmap4j.kernel.KernelDescription;
import org.vmap4j.kernel.Scatter;
import org.vmap4j.kernel.ScatterPrimitive;
import org.vmap4j.kernel.View;

/**
 * Where each step of a plan runs on the GPU backend, decided without a GPU: fused kernels that
 * lower to PTX, {@code dot_general}s that map to a batched GEMM (after transposing operands whose
 * dimension groups are not adjacent), primitives that state their own kernel (strided reads such as
 * transpose, slice, broadcast and reductions; gathers) rendered to PTX from that kernel, reshapes
 * of device arrays are free (same memory), and every other step runs on the CPU with its inputs
 * copied back and its outputs copied up when a later GPU step needs them. It reads the plan through
 * core's exported Backend SPI ({@link Plan}, {@link PlanStep}, the kernel descriptions) only. Pure:
 * tests check it, and every PTX it holds, on machines without a GPU.
 */
public record GpuPlan(Plan plan, List<Step> steps) {

  /** One step's placement. */
  public sealed interface Step
      permits Kernel, Strided, Gemm, TransposedGemm, Indexed, Alias, OnCpu {
    PlanStep source();

    /** One line for logs and docs, e.g. {@code gpu fused f32[4096,256] sum}. */
    String describe();
  }

  /**
   * A fused kernel on the GPU: {@code n} is the renderer's {@code n} parameter, {@code threads} the
   * launch size; {@code checkedIndex} is the index load whose values the kernel checks (it then
   * takes the error word, as {@link Indexed} does), or null.
   */
  public record Kernel(
      PlanStep.Fused source, String ptx, int n, long threads, IndexLoad checkedIndex)
      implements Step {
    /** A fused kernel that checks no index. */
    public Kernel(PlanStep.Fused source, String ptx, int n, long threads) {
      this(source, ptx, n, threads, null);
    }

    /** Whether the kernel takes the error word: {@code checkedIndex} is the load it checks. */
    public boolean checksIndices() {
      return checkedIndex != null;
    }

    @Override
    public String describe() {
      return "gpu fused " + source.kernel().describe();
    }
  }

  /**
   * A primitive whose kernel reads its operand through a strided view (transpose, slice,
   * broadcast_in_dim, a reduction over any axes), as that one kernel on the GPU: {@code n} is the
   * renderer's {@code n} parameter, {@code threads} the launch size.
   */
  public record Strided(PlanStep.Single source, String ptx, int n, long threads) implements Step {
    @Override
    public String describe() {
      return describePrimitive(source);
    }
  }

  /** A dot_general as one strided-batched GEMM on the GPU, {@code shape} its description. */
  public record Gemm(PlanStep.Single source, GemmDescription shape, String ptx) implements Step {
    @Override
    public String describe() {
      return "gpu gemm " + shape.describe();
    }
  }

  /**
   * A dot_general whose dimension groups are not adjacent in memory, as {@link Strided} transposes
   * of the offending operands into GEMM order followed by a {@link Gemm} on the copies ({@code
   * parts}, in order; see {@link GemmPrimitive#regrouped}). The parts' sources are synthetic
   * equations whose intermediate variables never leave this step.
   *
   * <p>The transposes are copies, not strided reads by the GEMM: {@code GemmPtx} and cuBLAS read
   * each operand through one stride per group ({@link GemmDescription.Operand}), and a scattered
   * group is one whose dimensions do not collapse to one stride. Reading it in place would need a
   * stride per dimension of the group in the GEMM description the CPU and cuBLAS share, and a
   * division per element in {@code GemmPtx}'s tile loads for a scattered free or contracted group.
   */
  public record TransposedGemm(PlanStep.Single source, List<Step> parts) implements Step {
    @Override
    public String describe() {
      List<String> d = new ArrayList<>();
      parts.forEach(p -> d.add(p.describe()));
      return String.join(", then ", d);
    }
  }

  /**
   * A pad, concatenate, gather, scatter_add or argmax as one kernel rendered from the primitive's
   * own description (see {@link PtxKernelRenderer}): {@code n} threads; {@code checksIndices} when
   * the kernel takes the index error word; {@code startsFromOperand} when the output must hold a
   * copy of input 0 before the launch.
   */
  public record Indexed(
      PlanStep.Single source, String ptx, int n, IndexLoad checkedIndex, boolean startsFromOperand)
      implements Step {
    /** Whether the kernel takes the error word: {@code checkedIndex} is the load it checks. */
    public boolean checksIndices() {
      return checkedIndex != null;
    }

    @Override
    public String describe() {
      return describePrimitive(source);
    }
  }

  /** A reshape: on the device it reuses its input's memory; on the host it runs as usual. */
  public record Alias(PlanStep.Single source) implements Step {
    @Override
    public String describe() {
      return "reshape (no copy)";
    }
  }

  /** A step the GPU backend does not lower: it runs on the CPU. */
  public record OnCpu(PlanStep source, String reason) implements Step {
    @Override
    public String describe() {
      return "cpu: " + reason;
    }
  }

  /** {@code gpu <primitive> <result type>}, for a step that runs one primitive as one kernel. */
  private static String describePrimitive(PlanStep.Single source) {
    return "gpu " + source.primitiveName() + " " + source.equation().outputs().get(0).type();
  }

  public static GpuPlan of(Plan plan) {
    List<Step> out = new ArrayList<>();
    for (PlanStep s : plan.steps()) {
      out.add(place(s));
    }
    return new GpuPlan(plan, List.copyOf(out));
  }

  /**
   * Why cond, while and scan run on the CPU: their branch choice and trip count are decided on the
   * host each turn, and running the body's kernels on the device would need the carry to cross to
   * the host for every decision; until device-side loops exist the whole step (its sub-programs
   * compiled for the CPU) runs there.
   */
  public static final String CONTROL_FLOW_ON_CPU =
      "control flow runs on the CPU: the branch or loop decision is made on the host each turn,"
          + " and its sub-programs are compiled for the CPU";

  private static Step place(PlanStep s) {
    if (s instanceof PlanStep.Fused f) {
      KernelDescription k = f.kernel();
      String why = PtxKernelRenderer.unsupported(k);
      if (why != null) {
        return new OnCpu(s, why);
      }
      if (!k.indexLoads().isEmpty()) {
        // a gather read, maybe under a mask (a pad of a gather): n counts the threads, which
        // check every index value as well as compute every element
        int threads = Math.toIntExact(PtxKernelRenderer.threads(k));
        return new Kernel(
            f, PtxKernelRenderer.render(k), threads, threads, firstIndexLoad(k.indexLoads()));
      }
      return new Kernel(
          f,
          PtxKernelRenderer.render(k),
          PtxKernelRenderer.outputs(k),
          PtxKernelRenderer.threads(k));
    }
    PlanStep.Single p = (PlanStep.Single) s;
    Equation e = p.equation();
    if (p.runsSubPrograms()) {
      return new OnCpu(s, CONTROL_FLOW_ON_CPU + " (" + p.primitiveName() + ")");
    }
    if (e.primitive() instanceof GemmPrimitive gemm) {
      return placeGemm(p, gemm);
    }
    Optional<KernelDescription> kernel = p.kernel();
    if (kernel.isPresent()) {
      return ownKernel(p, kernel.get());
    }
    if (e.primitive() instanceof IndexReductionPrimitive ip) {
      IndexReduction r = ip.kernel(inputTypes(e), e.params(), e.outputs().get(0).type());
      String why = PtxKernelRenderer.unsupported(r);
      if (why != null) {
        return new OnCpu(s, why);
      }
      return new Indexed(
          p,
          PtxKernelRenderer.render(r),
          Math.toIntExact(PtxKernelRenderer.threads(r)),
          null,
          false);
    }
    if (e.primitive() instanceof ScatterPrimitive sp) {
      Scatter sc = sp.kernel(inputTypes(e), e.params(), e.outputs().get(0).type());
      String why = PtxKernelRenderer.unsupported(sc);
      if (why != null) {
        return new OnCpu(s, why);
      }
      return new Indexed(
          p,
          PtxKernelRenderer.render(sc),
          Math.toIntExact(PtxKernelRenderer.threads(sc)),
          firstIndexLoad(sc.target().indexLoads()),
          true);
    }
    return new OnCpu(s, "no GPU lowering for " + p.primitiveName());
  }

  /**
   * A matrix product: one GEMM when its contraction maps onto row-major operands as they are
   * (device arrays are row-major), else the primitive's own transposes into GEMM order, then the
   * GEMM; the CPU, with the renderer's reason, when GemmPtx cannot render it.
   */
  private static Step placeGemm(PlanStep.Single p, GemmPrimitive gemm) {
    Equation e = p.equation();
    Contraction.Mapping mapping = gemm.contraction(inputTypes(e), e.params()).ontoRowMajor();
    if (mapping instanceof Contraction.Direct d) {
      String why = GemmPtx.unsupported(d.gemm());
      if (why != null) {
        return new OnCpu(p, why);
      }
      return new Gemm(p, d.gemm(), GemmPtx.render(d.gemm()));
    }
    GemmPrimitive.Regrouped regrouped = gemm.regrouped(e);
    List<Step> parts = new ArrayList<>();
    for (Equation transpose : regrouped.transposes()) {
      parts.add(place(PlanStep.of(transpose)));
    }
    parts.add(place(PlanStep.of(regrouped.product())));
    for (Step part : parts) {
      if (part instanceof OnCpu c) {
        return new OnCpu(p, c.reason());
      }
    }
    return new TransposedGemm(p, List.copyOf(parts));
  }

  private static TensorType[] inputTypes(Equation e) {
    TensorType[] out = new TensorType[e.inputs().size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = e.inputs().get(i).type();
    }
    return out;
  }

  /**
   * A primitive that states its kernel: no launch when the kernel copies its operand unchanged (a
   * reshape: the device array is reused), else that kernel rendered to PTX; the CPU when the
   * renderer says why it cannot.
   */
  private static Step ownKernel(PlanStep.Single p, KernelDescription d) {
    if (copiesOperandUnchanged(d)) {
      return new Alias(p);
    }
    String why = PtxKernelRenderer.unsupported(d);
    if (why != null) {
      return new OnCpu(p, why);
    }
    String ptx = PtxKernelRenderer.render(d);
    if (d.indexLoads().isEmpty() && !d.hasMasks()) {
      return new Strided(p, ptx, PtxKernelRenderer.outputs(d), PtxKernelRenderer.threads(d));
    }
    // gather (index loads), pad and concatenate (masked views): one thread per element
    return new Indexed(
        p, ptx, (int) PtxKernelRenderer.threads(d), firstIndexLoad(d.indexLoads()), false);
  }

  /** The index load a kernel checks (the renderer lowers at most one), or null. */
  private static IndexLoad firstIndexLoad(List<IndexLoad> loads) {
    return loads.isEmpty() ? null : loads.get(0);
  }

  /**
   * Whether {@code d}'s output is its one input's row-major elements as they are: no scalar steps,
   * no reduction, the input read contiguously.
   */
  private static boolean copiesOperandUnchanged(KernelDescription d) {
    return d.steps().isEmpty()
        && d.reduce() == null
        && d.inputTypes().size() == 1
        && d.result().equals("x0")
        && d.inputTypes().get(0) == d.resultType()
        && d.views().get(0).equals(View.CONTIGUOUS);
  }

  /** How many steps run on the GPU (kernels, strided and indexed primitives, GEMMs). */
  public long deviceSteps() {
    return steps.stream().filter(s -> !(s instanceof Alias) && !(s instanceof OnCpu)).count();
  }
}
