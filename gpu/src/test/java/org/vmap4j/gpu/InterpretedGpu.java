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
    Executable cpu = Executable.of(plan.plan());
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
          || s instanceof GpuPlan.Gemm) {
        device(s, mem, dev, device);
      } else if (s instanceof GpuPlan.Indexed k) {
        indexed(k, mem, dev, device, hostOf);
      } else if (s instanceof GpuPlan.TransposedGemm t) {
        for (GpuPlan.Step part : t.parts()) {
          // the parts are Strided transposes and a Gemm, run as those steps are above
          device(part, mem, dev, device);
        }
      } else if (s instanceof GpuPlan.Alias r
          && device.containsKey(r.source().equation().inputs().get(0))) {
        var e = r.source().equation();
        device.put(e.outputs().get(0), device.get(e.inputs().get(0)));
      } else {
        var step = s.source();
        List<CpuTensor> out = cpu.runStep(step, hostOf::apply);
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

  /** A fused kernel, strided primitive or GEMM, launched as CudaProgram launches it. */
  private static void device(
      GpuPlan.Step s,
      PtxInterpreter.Memory mem,
      java.util.function.Function<Var, Long> dev,
      Map<Var, Long> device) {
    if (s instanceof GpuPlan.Kernel k) {
      fused(k.ptx(), k.source().reads(), k.source().output(), k.n(), k.threads(), mem, dev, device);
    } else if (s instanceof GpuPlan.Strided k) {
      var e = k.source().equation();
      fused(k.ptx(), e.inputs(), e.outputs().get(0), k.n(), k.threads(), mem, dev, device);
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

  private static void fused(
      String ptx,
      List<Var> inputs,
      Var output,
      int n,
      long threads,
      PtxInterpreter.Memory mem,
      java.util.function.Function<Var, Long> dev,
      Map<Var, Long> device) {
    List<Object> params = new ArrayList<>();
    for (Var v : inputs) {
      params.add(dev.apply(v));
    }
    long out = mem.allocate(bytes(output.type()), true);
    params.add(out);
    params.add(n);
    if (threads > 0) {
      int blocks = (int) ((threads + PtxKernelRenderer.BLOCK - 1) / PtxKernelRenderer.BLOCK);
      interpreter(ptx).launch(mem, params, blocks, 1, 1, PtxKernelRenderer.BLOCK);
    }
    device.put(output, out);
  }

  /** As {@code CudaProgram.indexed}: operand copy, error word, the CPU's message. */
  private static void indexed(
      GpuPlan.Indexed k,
      PtxInterpreter.Memory mem,
      java.util.function.Function<Var, Long> dev,
      Map<Var, Long> device,
      java.util.function.Function<Var, CpuTensor> hostOf) {
    var e = k.source().equation();
    Var output = e.outputs().get(0);
    List<Object> params = new ArrayList<>();
    for (Var v : e.inputs()) {
      params.add(dev.apply(v));
    }
    long out = mem.allocate(bytes(output.type()), true);
    if (k.startsFromOperand()) {
      mem.buffer(out).duplicate().put(mem.buffer(dev.apply(e.inputs().get(0))).duplicate().clear());
    }
    params.add(out);
    long error = 0;
    if (k.checksIndices()) {
      error = mem.allocate(4, false);
      mem.buffer(error).putInt(0, IndexPrimitives.NO_ERROR);
      params.add(error);
    }
    params.add(k.n());
    if (k.n() > 0) {
      int blocks = (k.n() + PtxKernelRenderer.BLOCK - 1) / PtxKernelRenderer.BLOCK;
      interpreter(k.ptx()).launch(mem, params, blocks, 1, 1, PtxKernelRenderer.BLOCK);
      if (k.checksIndices()) {
        int position = mem.buffer(error).getInt(0);
        if (position != IndexPrimitives.NO_ERROR) {
          throw IndexPrimitives.outOfRange(
              k.checkedIndex(),
              hostOf.apply(e.inputs().get(IndexPrimitives.INDICES)),
              position,
              k.describe());
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
