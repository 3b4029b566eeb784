package org.vmap4j.gpu;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import jcuda.NativePointerObject;
import jcuda.Pointer;
import org.vmap4j.Tensor;
import org.vmap4j.backend.CompiledProgram;
import org.vmap4j.backend.PlanStep;
import org.vmap4j.backend.StepRunner;
import org.vmap4j.gpu.cublas.CublasAvailability;
import org.vmap4j.gpu.cublas.CublasCall;
import org.vmap4j.gpu.cuda.CudaDevice;
import org.vmap4j.gpu.cuda.CudaModule;
import org.vmap4j.gpu.cuda.DeviceBuffer;
import org.vmap4j.gpu.ptx.GemmPtx;
import org.vmap4j.gpu.ptx.IndexPrimitives;
import org.vmap4j.gpu.ptx.PtxKernelRenderer;
import org.vmap4j.ir.Program;
import org.vmap4j.ir.Var;
import org.vmap4j.kernel.GemmDescription;
import org.vmap4j.kernel.IndexLoad;

/**
 * A plan compiled for one GPU: the {@link GpuPlan}'s kernels loaded as modules (identical PTX
 * loaded once), run step by step on a stream per call. Products run on cuBLAS where {@link
 * CublasAvailability} allows and {@link CublasCall} can express them, else on our own GEMM. Inputs
 * arrive as host tensors and are copied up when a device step first needs them; results are copied
 * back at the end; steps placed on the CPU read host copies (copied back on demand) and their
 * results are copied up when a later device step needs them. Safe for concurrent calls (each has
 * its own stream and buffers). {@link #close()} unloads the modules.
 */
public final class CudaProgram implements CompiledProgram, AutoCloseable {
  private final CudaDevice device;
  private final GpuPlan gpuPlan;
  private final StepRunner cpu;
  private final Map<PlanStep, CudaModule> modules = new IdentityHashMap<>();
  private final Map<PlanStep, CublasCall> onCublas = new IdentityHashMap<>();
  private final List<CudaModule> loaded = new ArrayList<>();

  /** Every module by its PTX (read-only after construction). */
  private final Map<String, CudaModule> byPtx = new HashMap<>();

  CudaProgram(CudaDevice device, GpuPlan gpuPlan) {
    this.device = device;
    this.gpuPlan = gpuPlan;
    this.cpu = gpuPlan.plan().cpuSteps();
    device.makeCurrent();
    boolean cublas = CublasAvailability.probe().available();
    try {
      List<GpuPlan.Step> steps = new ArrayList<>();
      for (GpuPlan.Step s : gpuPlan.steps()) {
        if (s instanceof GpuPlan.TransposedGemm t) {
          steps.addAll(t.parts()); // each part is loaded (and run) as a step of its own kind
        } else {
          steps.add(s);
        }
      }
      for (GpuPlan.Step s : steps) {
        if (cublas && s instanceof GpuPlan.Gemm g) {
          CublasCall call = CublasCall.of(g.shape());
          if (call != null) {
            onCublas.put(s.source(), call);
            continue;
          }
        }
        String ptx;
        String entry;
        if (s instanceof GpuPlan.Kernel k) {
          ptx = k.ptx();
          entry = PtxKernelRenderer.ENTRY;
        } else if (s instanceof GpuPlan.Strided k) {
          ptx = k.ptx();
          entry = PtxKernelRenderer.ENTRY;
        } else if (s instanceof GpuPlan.Gemm g) {
          ptx = g.ptx();
          entry = GemmPtx.ENTRY;
        } else if (s instanceof GpuPlan.Indexed k) {
          ptx = k.ptx();
          entry = PtxKernelRenderer.ENTRY;
        } else {
          continue;
        }
        modules.put(s.source(), load(ptx, entry));
      }
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  /** The module of {@code ptx}, loaded once per program. */
  private CudaModule load(String ptx, String entry) {
    CudaModule m = byPtx.get(ptx);
    if (m == null) {
      m = new CudaModule(ptx, entry, device.arch());
      byPtx.put(ptx, m);
      loaded.add(m);
    }
    return m;
  }

  /** Where each step runs. */
  public GpuPlan plan() {
    return gpuPlan;
  }

  /**
   * One line per step: {@link GpuPlan.Step#describe()}, with {@code (cuBLAS)} after the products
   * that run on cuBLAS rather than our own GEMM.
   */
  public List<String> describeSteps() {
    List<String> out = new ArrayList<>();
    for (GpuPlan.Step s : gpuPlan.steps()) {
      List<GpuPlan.Step> parts = s instanceof GpuPlan.TransposedGemm t ? t.parts() : List.of(s);
      List<String> d = new ArrayList<>();
      for (GpuPlan.Step p : parts) {
        d.add(p.describe() + (onCublas.containsKey(p.source()) ? " (cuBLAS)" : ""));
      }
      out.add(String.join(", then ", d));
    }
    return out;
  }

  public CudaDevice device() {
    return device;
  }

  @Override
  public List<Tensor> run(List<? extends Tensor> args) {
    Program p = gpuPlan.plan().program();
    if (args.size() != p.inputs().size()) {
      throw new IllegalArgumentException(
          "program takes " + p.inputs().size() + " inputs, got " + args.size());
    }
    try (RunScope scope = new RunScope(device)) {
      for (int i = 0; i < args.size(); i++) {
        scope.putHost(p.inputs().get(i), args.get(i));
      }
      for (int i = 0; i < p.constVars().size(); i++) {
        scope.putHost(p.constVars().get(i), p.constValues().get(i));
      }
      int index = 0;
      for (GpuPlan.Step s : gpuPlan.steps()) {
        runStep(s, index++, scope);
      }
      List<Tensor> out = new ArrayList<>();
      for (Var v : p.outputs()) {
        out.add(scope.host(v));
      }
      return out;
    }
  }

  private void runStep(GpuPlan.Step s, int index, RunScope scope) {
    if (s instanceof GpuPlan.Kernel k) {
      PlanStep.Fused f = k.source();
      fused(
          modules.get(f),
          "step " + index + " " + k.describe(),
          f.reads(),
          f.output(),
          k.n(),
          k.threads(),
          k.checkedIndex(),
          false,
          scope);
    } else if (s instanceof GpuPlan.Strided k) {
      var e = k.source().equation();
      fused(
          modules.get(k.source()),
          "step " + index + " " + k.describe(),
          e.inputs(),
          e.outputs().get(0),
          k.n(),
          k.threads(),
          null,
          false,
          scope);
    } else if (s instanceof GpuPlan.Gemm g) {
      var e = g.source().equation();
      DeviceBuffer a = scope.device(e.inputs().get(0));
      DeviceBuffer b = scope.device(e.inputs().get(1));
      DeviceBuffer c = scope.allocate(e.outputs().get(0).type());
      GemmDescription shape = g.shape();
      String label = "step " + index + " " + g.describe();
      CublasCall call = onCublas.get(g.source());
      if (call != null) {
        scope.cublasGemm(call, shape.dtype(), a, b, c, label);
      } else if ((long) shape.batch() * shape.m() * shape.n() > 0) {
        scope.launch(
            modules.get(g.source()),
            label,
            GemmPtx.gridX(shape),
            GemmPtx.gridY(shape),
            GemmPtx.gridZ(shape),
            GemmPtx.blockThreads(),
            Pointer.to(Pointer.to(a.pointer()), Pointer.to(b.pointer()), Pointer.to(c.pointer())));
      }
      scope.putDevice(e.outputs().get(0), c);
    } else if (s instanceof GpuPlan.Alias r) {
      var e = r.source().equation();
      Var in = e.inputs().get(0);
      if (scope.onDevice(in)) {
        scope.putDevice(e.outputs().get(0), scope.device(in));
      } else {
        onCpu(r.source(), scope);
      }
    } else if (s instanceof GpuPlan.Indexed k) {
      var e = k.source().equation();
      fused(
          modules.get(k.source()),
          "step " + index + " " + k.describe(),
          e.inputs(),
          e.outputs().get(0),
          k.n(),
          k.n(),
          k.checkedIndex(),
          k.startsFromOperand(),
          scope);
    } else if (s instanceof GpuPlan.TransposedGemm t) {
      for (GpuPlan.Step part : t.parts()) {
        runStep(part, index, scope);
      }
    } else {
      onCpu(s.source(), scope);
    }
  }

  /**
   * Launches a kernel of {@link PtxKernelRenderer}'s form {@code fused(x0.., y, [err,] n)} on
   * {@code threads} threads. A scatter's output ({@code startsFromOperand}) starts as a copy of
   * input 0; a kernel that checks the indices of {@code checked} gets an error word, read after the
   * launch (one synchronization), and a flagged index fails the call with the CPU's message.
   */
  private static void fused(
      CudaModule module,
      String label,
      List<Var> inputs,
      Var output,
      int n,
      long threads,
      IndexLoad checked,
      boolean startsFromOperand,
      RunScope scope) {
    List<NativePointerObject> params = new ArrayList<>();
    for (Var in : inputs) {
      params.add(Pointer.to(scope.device(in).pointer()));
    }
    DeviceBuffer out = scope.allocate(output.type());
    if (startsFromOperand) {
      scope.copy(scope.device(inputs.get(0)), out);
    }
    params.add(Pointer.to(out.pointer()));
    DeviceBuffer error = checked != null ? scope.word(IndexPrimitives.NO_ERROR) : null;
    if (error != null) {
      params.add(Pointer.to(error.pointer()));
    }
    params.add(Pointer.to(new int[] {n}));
    launch(module, label, params, threads, scope);
    if (error != null && threads > 0) {
      int position = scope.readWord(error);
      if (position != IndexPrimitives.NO_ERROR) {
        Tensor indices = scope.host(inputs.get(checked.input()));
        throw IndexPrimitives.outOfRange(checked, indices, position, label);
      }
    }
    scope.putDevice(output, out);
  }

  /**
   * Launches a 1-D kernel of {@code threads} threads in blocks of {@link PtxKernelRenderer#BLOCK}.
   */
  private static void launch(
      CudaModule module,
      String label,
      List<NativePointerObject> params,
      long threads,
      RunScope scope) {
    if (threads > 0) {
      long blocks = (threads + PtxKernelRenderer.BLOCK - 1) / PtxKernelRenderer.BLOCK;
      scope.launch(
          module,
          label,
          Math.toIntExact(blocks),
          1,
          1,
          PtxKernelRenderer.BLOCK,
          Pointer.to(params.toArray(new NativePointerObject[0])));
    }
  }

  private void onCpu(PlanStep step, RunScope scope) {
    List<? extends Tensor> out = cpu.runStep(step, scope::host);
    List<Var> vars = step.writes();
    for (int i = 0; i < vars.size(); i++) {
      scope.putHost(vars.get(i), out.get(i));
    }
  }

  @Override
  public void close() {
    device.makeCurrent();
    for (CudaModule m : loaded) {
      m.close();
    }
    loaded.clear();
  }
}
