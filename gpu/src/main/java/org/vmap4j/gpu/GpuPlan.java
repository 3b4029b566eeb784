package org.vmap4j.gpu;

import java.util.ArrayList;
import java.util.List;
import org.vmap4j.TensorType;
import org.vmap4j.compiler.ExecutionPlan;
import org.vmap4j.compiler.Fusion;
import org.vmap4j.gpu.ptx.GemmPtx;
import org.vmap4j.gpu.ptx.PtxKernelRenderer;
import org.vmap4j.gpu.ptx.StridedPrimitives;
import org.vmap4j.ir.Equation;
import org.vmap4j.kernel.IndexReduction;
import org.vmap4j.kernel.IndexReductionPrimitive;
import org.vmap4j.kernel.KernelDescription;
import org.vmap4j.kernel.KernelPrimitive;
import org.vmap4j.kernel.Scatter;
import org.vmap4j.kernel.ScatterPrimitive;
import org.vmap4j.prim.DotGeneral;
import org.vmap4j.prim.Reshape;

/**
 * Where each step of a plan runs on the GPU backend, decided without a GPU: fused kernels that
 * lower to PTX, {@code dot_general}s that map to a batched GEMM (after transposing operands whose
 * dimension groups are not adjacent), strided and indexed primitives run on the device, reshapes of
 * device arrays are free (same memory), and every other step runs on the CPU with its inputs copied
 * back and its outputs copied up when a later GPU step needs them. Pure: tests check it, and every
 * PTX it holds, on machines without a GPU.
 */
public record GpuPlan(ExecutionPlan plan, List<Step> steps) {

  /** One step's placement. */
  public sealed interface Step
      permits Kernel, Strided, Gemm, TransposedGemm, Indexed, Alias, OnCpu {
    Fusion.Step source();

    /** One line for logs and docs, e.g. {@code gpu fused f32[4096,256] sum}. */
    String describe();
  }

  /** A fused kernel on the GPU. */
  public record Kernel(Fusion.FusedStep source, String ptx, int n, long threads) implements Step {
    @Override
    public String describe() {
      return "gpu fused " + source.kernel().describe();
    }
  }

  /**
   * A transpose, broadcast or reduction over any axes, as one strided-read kernel on the GPU (see
   * {@link StridedPrimitives}).
   */
  public record Strided(Fusion.PrimitiveStep source, String ptx, int n, long threads)
      implements Step {
    @Override
    public String describe() {
      return describePrimitive(source);
    }
  }

  /** A dot_general as one strided-batched GEMM on the GPU. */
  public record Gemm(Fusion.PrimitiveStep source, GemmPtx.Shape shape, String ptx) implements Step {
    @Override
    public String describe() {
      return "gpu gemm "
          + shape.dtype().shortName()
          + " batch="
          + shape.batch()
          + " m="
          + shape.m()
          + " n="
          + shape.n()
          + " k="
          + shape.k();
    }
  }

  /**
   * A dot_general whose dimension groups are not adjacent in memory, as {@link Strided} transposes
   * of the offending operands into GEMM order followed by a {@link Gemm} on the copies ({@code
   * parts}, in order; see {@link TransposedDotGeneral}). The parts' sources are synthetic equations
   * whose intermediate variables never leave this step.
   */
  public record TransposedGemm(Fusion.PrimitiveStep source, List<Step> parts) implements Step {
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
      Fusion.PrimitiveStep source,
      String ptx,
      int n,
      boolean checksIndices,
      boolean startsFromOperand)
      implements Step {
    @Override
    public String describe() {
      return describePrimitive(source);
    }
  }

  /** A reshape: on the device it reuses its input's memory; on the host it runs as usual. */
  public record Alias(Fusion.PrimitiveStep source) implements Step {
    @Override
    public String describe() {
      return "reshape (no copy)";
    }
  }

  /** A step the GPU backend does not lower: it runs on the CPU. */
  public record OnCpu(Fusion.Step source, String reason) implements Step {
    @Override
    public String describe() {
      return "cpu: " + reason;
    }
  }

  /** {@code gpu <primitive> <result type>}, for a step that runs one primitive as one kernel. */
  private static String describePrimitive(Fusion.PrimitiveStep source) {
    return "gpu "
        + source.equation().primitive().displayName()
        + " "
        + source.equation().outputs().get(0).type();
  }

  public static GpuPlan of(ExecutionPlan plan) {
    List<Step> out = new ArrayList<>();
    for (Fusion.Step s : plan.steps()) {
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

  private static Step place(Fusion.Step s) {
    if (s instanceof Fusion.FusedStep f) {
      KernelDescription k = f.kernel();
      String why = PtxKernelRenderer.unsupported(k);
      if (why != null) {
        return new OnCpu(s, why);
      }
      return new Kernel(
          f,
          PtxKernelRenderer.render(f),
          PtxKernelRenderer.outputs(k),
          PtxKernelRenderer.threads(k));
    }
    Fusion.PrimitiveStep p = (Fusion.PrimitiveStep) s;
    Equation e = p.equation();
    if (e.primitive() instanceof org.vmap4j.interpreter.SubProgramPrimitive) {
      return new OnCpu(s, CONTROL_FLOW_ON_CPU + " (" + e.primitive().displayName() + ")");
    }
    if (e.primitive() == DotGeneral.DOT_GENERAL) {
      DotGeneralGemm.Mapping mapping = DotGeneralGemm.map(e);
      if (mapping instanceof DotGeneralGemm.Direct d) {
        return new Gemm(p, d.shape(), GemmPtx.render(d.shape()));
      }
      if (mapping instanceof DotGeneralGemm.Unsupported u) {
        return new OnCpu(s, u.reason());
      }
      // NotAdjacent: transposes into GEMM order, then the GEMM
      var t = TransposedDotGeneral.lower(e);
      List<Step> parts = new ArrayList<>();
      for (Equation transpose : t.transposes()) {
        parts.add(place(new Fusion.PrimitiveStep(transpose)));
      }
      parts.add(place(new Fusion.PrimitiveStep(t.gemm())));
      for (Step part : parts) {
        if (part instanceof OnCpu c) {
          return new OnCpu(s, c.reason());
        }
      }
      return new TransposedGemm(p, List.copyOf(parts));
    }
    if (e.primitive() instanceof KernelPrimitive kp) {
      KernelDescription d = kp.kernel(inputTypes(e), e.params(), e.outputs().get(0).type());
      String why = PtxKernelRenderer.unsupported(d);
      if (why != null) {
        return new OnCpu(s, why);
      }
      return new Indexed(
          p,
          PtxKernelRenderer.render(d),
          (int) PtxKernelRenderer.threads(d),
          !d.indexLoads().isEmpty(),
          false);
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
          false,
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
          !sc.target().indexLoads().isEmpty(),
          true);
    }
    var strided = StridedPrimitives.description(e);
    if (strided != null) {
      String why = PtxKernelRenderer.unsupported(strided);
      if (why != null) {
        return new OnCpu(s, why);
      }
      return new Strided(
          p,
          StridedPrimitives.render(e),
          PtxKernelRenderer.outputs(strided),
          PtxKernelRenderer.threads(strided));
    }
    if (e.primitive() == Reshape.RESHAPE) {
      return new Alias(p);
    }
    return new OnCpu(s, "no GPU lowering for " + e.primitive().displayName());
  }

  private static TensorType[] inputTypes(Equation e) {
    TensorType[] out = new TensorType[e.inputs().size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = e.inputs().get(i).type();
    }
    return out;
  }

  /** How many steps run on the GPU (kernels, strided and indexed primitives, GEMMs). */
  public long deviceSteps() {
    return steps.stream().filter(s -> !(s instanceof Alias) && !(s instanceof OnCpu)).count();
  }
}
