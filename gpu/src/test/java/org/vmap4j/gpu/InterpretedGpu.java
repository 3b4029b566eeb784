package org.vmap4j.gpu;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.vmap4j.TensorType;
import org.vmap4j.compiler.Executable;
import org.vmap4j.cpu.CpuTensor;
import org.vmap4j.gpu.cuda.HostArrays;
import org.vmap4j.gpu.ptx.GemmPtx;
import org.vmap4j.gpu.ptx.IndexPrimitives;
import org.vmap4j.gpu.ptx.PtxKernelRenderer;
import org.vmap4j.ir.Program;
import org.vmap4j.ir.Var;
import org.vmap4j.kernel.IndexLoad;

/**
 * Runs a {@link GpuPlan} the way {@link CudaProgram} does (same placement, same launch sizes and
 * parameters, CPU fall-backs through {@link Executable#runStep}), with {@link PtxInterpreter} as
 * the device and every allocation poisoned (all-ones bytes), so a kernel that leaves output
 * elements unwritten shows NaN.
 */
final class InterpretedGpu {
  private static final Map<String, PtxInterpreter> PARSED = new ConcurrentHashMap<>();

  private InterpretedGpu() {}

  static List<CpuTensor> run(GpuPlan plan, List<CpuTensor> args) {
    Program p = plan.plan().program();
    // compiled only when a step runs on the CPU: a test's own plan of device steps has no CPU form
    java.util.function.Supplier<Executable> cpu =
        new java.util.function.Supplier<>() {
          private Executable compiled;

          @Override
          public Executable get() {
            if (compiled == null) {
              compiled = Executable.of(plan.plan());
            }
            return compiled;
          }
        };
    PtxInterpreter.Memory mem = new PtxInterpreter.Memory();
    Map<Var, CpuTensor> host = new IdentityHashMap<>();
    Map<Var, Long> device = new IdentityHashMap<>();
    for (int i = 0; i < args.size(); i++) {
      host.put(p.inputs().get(i), args.get(i));
    }
    for (int i = 0; i < p.constVars().size(); i++) {
      host.put(p.constVars().get(i), p.constValues().get(i));
    }
    java.util.function.Function<Var, Long> dev =
        v ->
            device.computeIfAbsent(
                v,
                k -> {
                  CpuTensor t = host.get(k);
                  long a = mem.allocate(bytes(t.type()), true);
                  HostArrays.put(t.dtype(), t.contiguousData(), mem.buffer(a));
                  return a;
                });
    java.util.function.Function<Var, CpuTensor> hostOf =
        v ->
            host.computeIfAbsent(
                v,
                k ->
                    CpuTensor.wrap(
                        k.type().dtype(),
                        HostArrays.get(
                            k.type().dtype(), mem.buffer(device.get(k)), k.type().size()),
                        k.type().shape()));
    for (GpuPlan.Step s : plan.steps()) {
      if (s instanceof GpuPlan.Kernel
          || s instanceof GpuPlan.Strided
          || s instanceof GpuPlan.Gemm
          || s instanceof GpuPlan.Indexed) {
        device(s, mem, dev, device, hostOf);
      } else if (s instanceof GpuPlan.TransposedGemm t) {
        for (GpuPlan.Step part : t.parts()) {
          // the parts are Strided transposes and a Gemm, run as those steps are above
          device(part, mem, dev, device, hostOf);
        }
      } else if (s instanceof GpuPlan.Alias r
          && device.containsKey(r.source().equation().inputs().get(0))) {
        var e = r.source().equation();
        device.put(e.outputs().get(0), device.get(e.inputs().get(0)));
      } else {
        var step = s.source();
        List<CpuTensor> out = cpu.get().runStep(step, hostOf::apply);
        List<Var> vars = step.writes();
        for (int i = 0; i < vars.size(); i++) {
          host.put(vars.get(i), out.get(i));
        }
      }
    }
    List<CpuTensor> out = new ArrayList<>();
    p.outputs().forEach(v -> out.add(hostOf.apply(v)));
    return out;
  }

  /** A fused kernel, strided or indexed primitive or GEMM, launched as CudaProgram launches it. */
  private static void device(
      GpuPlan.Step s,
      PtxInterpreter.Memory mem,
      java.util.function.Function<Var, Long> dev,
      Map<Var, Long> device,
      java.util.function.Function<Var, CpuTensor> hostOf) {
    if (s instanceof GpuPlan.Kernel k) {
      fused(
          new Launch(k.ptx(), k.n(), k.threads(), k.checkedIndex(), false, k.describe()),
          k.source().reads(),
          k.source().output(),
          mem,
          dev,
          device,
          hostOf);
    } else if (s instanceof GpuPlan.Strided k) {
      var e = k.source().equation();
      fused(
          new Launch(k.ptx(), k.n(), k.threads(), null, false, k.describe()),
          e.inputs(),
          e.outputs().get(0),
          mem,
          dev,
          device,
          hostOf);
    } else if (s instanceof GpuPlan.Indexed k) {
      var e = k.source().equation();
      fused(
          new Launch(k.ptx(), k.n(), k.n(), k.checkedIndex(), k.startsFromOperand(), k.describe()),
          e.inputs(),
          e.outputs().get(0),
          mem,
          dev,
          device,
          hostOf);
    } else if (s instanceof GpuPlan.Gemm g) {
      var e = g.source().equation();
      long a = dev.apply(e.inputs().get(0));
      long b = dev.apply(e.inputs().get(1));
      long c = mem.allocate(bytes(e.outputs().get(0).type()), true);
      var sh = g.shape();
      if ((long) sh.batch() * sh.m() * sh.n() > 0) {
        interpreter(g.ptx())
            .launch(
                mem,
                List.of(a, b, c),
                GemmPtx.gridX(sh),
                GemmPtx.gridY(sh),
                GemmPtx.gridZ(sh),
                GemmPtx.blockThreads());
      }
      device.put(e.outputs().get(0), c);
    } else {
      throw new IllegalArgumentException("not a device kernel step: " + s.describe());
    }
  }

  /** One launch of a {@code fused(x0.., y, [err,] n)} kernel, as CudaProgram makes it. */
  private record Launch(
      String ptx,
      int n,
      long threads,
      IndexLoad checked,
      boolean startsFromOperand,
      String label) {}

  /** As {@code CudaProgram.fused}: operand copy, error word, the CPU's message. */
  private static void fused(
      Launch l,
      List<Var> inputs,
      Var output,
      PtxInterpreter.Memory mem,
      java.util.function.Function<Var, Long> dev,
      Map<Var, Long> device,
      java.util.function.Function<Var, CpuTensor> hostOf) {
    List<Object> params = new ArrayList<>();
    for (Var v : inputs) {
      params.add(dev.apply(v));
    }
    long out = mem.allocate(bytes(output.type()), true);
    if (l.startsFromOperand()) {
      mem.buffer(out).duplicate().put(mem.buffer(dev.apply(inputs.get(0))).duplicate().clear());
    }
    params.add(out);
    long error = 0;
    if (l.checked() != null) {
      error = mem.allocate(4, false);
      mem.buffer(error).putInt(0, IndexPrimitives.NO_ERROR);
      params.add(error);
    }
    params.add(l.n());
    if (l.threads() > 0) {
      int blocks = (int) ((l.threads() + PtxKernelRenderer.BLOCK - 1) / PtxKernelRenderer.BLOCK);
      interpreter(l.ptx()).launch(mem, params, blocks, 1, 1, PtxKernelRenderer.BLOCK);
      if (l.checked() != null) {
        int position = mem.buffer(error).getInt(0);
        if (position != IndexPrimitives.NO_ERROR) {
          throw IndexPrimitives.outOfRange(
              l.checked(), hostOf.apply(inputs.get(l.checked().input())), position, l.label());
        }
      }
    }
    device.put(output, out);
  }

  private static PtxInterpreter interpreter(String ptx) {
    return PARSED.computeIfAbsent(ptx, PtxInterpreter::new);
  }

  private static long bytes(TensorType t) {
    return (long) t.size() * t.dtype().byteSize();
  }
}
