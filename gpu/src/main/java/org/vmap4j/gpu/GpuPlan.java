package org.vmap4j.gpu;

import java.util.ArrayList;
import java.util.List;
import org.vmap4j.compiler.ExecutionPlan;
import org.vmap4j.compiler.Fusion;
import org.vmap4j.ir.Equation;
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
      return "gpu fused "
          + source.resultType().shortName()
          + java.util.Arrays.toString(source.shape())
          + (source.reduce() == null ? "" : " " + source.reduce().displayName());
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
      return "gpu "
          + source.equation().primitive().displayName()
          + " "
          + source.equation().outputs().get(0).type();
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
   * A dot_general whose dimension groups are not adjacent in memory: the offending operands are
   * transposed into GEMM order on the device (null where an operand is read as it is), then one
   * GEMM runs on the copies (see {@link TransposedDotGeneral}).
   */
  public record TransposedGemm(
      Fusion.PrimitiveStep source,
      TransposedDotGeneral.Transposition lhs,
      TransposedDotGeneral.Transposition rhs,
      Equation gemmEquation,
      GemmPtx.Shape shape,
      String ptx)
      implements Step {
    @Override
    public String describe() {
      return "gpu transpose"
          + (lhs == null ? "" : " lhs")
          + (rhs == null ? "" : " rhs")
          + " then gemm "
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
   * A pad, concatenate, gather, scatter_add or argmax as one kernel (see {@link IndexPrimitives}):
   * {@code n} threads; {@code checksIndices} when the kernel takes the index error word; {@code
   * startsFromOperand} when the output must hold a copy of input 0 before the launch.
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
      return "gpu "
          + source.equation().primitive().displayName()
          + " "
          + source.equation().outputs().get(0).type();
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

  public static GpuPlan of(ExecutionPlan plan) {
    List<Step> out = new ArrayList<>();
    for (Fusion.Step s : plan.steps()) {
      out.add(place(s));
    }
    return new GpuPlan(plan, List.copyOf(out));
  }

  private static Step place(Fusion.Step s) {
    if (s instanceof Fusion.FusedStep f) {
      try {
        String ptx = PtxKernelRenderer.render(f);
        var d = PtxKernelRenderer.description(f);
        return new Kernel(f, ptx, PtxKernelRenderer.outputs(d), PtxKernelRenderer.threads(d));
      } catch (UnsupportedOperationException e) {
        return new OnCpu(s, e.getMessage());
      }
    }
    Fusion.PrimitiveStep p = (Fusion.PrimitiveStep) s;
    Equation e = p.equation();
    if (e.primitive() == DotGeneral.DOT_GENERAL) {
      try {
        GemmPtx.Shape shape = DotGeneralGemm.shape(e);
        return new Gemm(p, shape, GemmPtx.render(shape));
      } catch (UnsupportedOperationException x) {
        if (!x.getMessage().contains("not adjacent in memory")) {
          return new OnCpu(s, x.getMessage());
        }
      }
      try {
        var t = TransposedDotGeneral.lower(e);
        GemmPtx.Shape shape = DotGeneralGemm.shape(t.gemm());
        return new TransposedGemm(p, t.lhs(), t.rhs(), t.gemm(), shape, GemmPtx.render(shape));
      } catch (UnsupportedOperationException x) {
        return new OnCpu(s, x.getMessage());
      }
    }
    try {
      var k = IndexPrimitives.kernel(e);
      if (k != null) {
        return new Indexed(p, k.ptx(), k.n(), k.checksIndices(), k.startsFromOperand());
      }
    } catch (UnsupportedOperationException x) {
      return new OnCpu(s, x.getMessage());
    }
    var strided = StridedPrimitives.description(e);
    if (strided != null) {
      try {
        return new Strided(
            p,
            StridedPrimitives.render(e),
            PtxKernelRenderer.outputs(strided),
            PtxKernelRenderer.threads(strided));
      } catch (UnsupportedOperationException x) {
        return new OnCpu(s, x.getMessage());
      }
    }
    if (e.primitive() == Reshape.RESHAPE) {
      return new Alias(p);
    }
    return new OnCpu(s, "no GPU lowering for " + e.primitive().displayName());
  }

  /** How many steps run on the GPU (kernels, strided and indexed primitives, GEMMs). */
  public long deviceSteps() {
    return steps.stream().filter(s -> !(s instanceof Alias) && !(s instanceof OnCpu)).count();
  }
}
