package org.vmap4j.compiler;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.vmap4j.Tensor;
import org.vmap4j.TensorType;
import org.vmap4j.backend.PlanStep;
import org.vmap4j.cpu.BufferPool;
import org.vmap4j.cpu.CpuTensor;
import org.vmap4j.cpu.ElementwiseKernels;
import org.vmap4j.cpu.FusedReductions;
import org.vmap4j.cpu.JavaScalarOps;
import org.vmap4j.interpreter.ProgramRunner;
import org.vmap4j.interpreter.SubProgramPrimitive;
import org.vmap4j.ir.Equation;
import org.vmap4j.ir.Program;
import org.vmap4j.ir.Var;
import org.vmap4j.kernel.KernelDescription;

/**
 * An optimized program ready to run on the CPU: fused kernels and single primitives in order,
 * reading and writing concrete tensors directly (no interpreter dispatch per operation).
 */
public final class Executable
    implements org.vmap4j.backend.CompiledProgram, org.vmap4j.backend.StepRunner {
  private final Program program;
  private final List<Fusion.Step> steps;
  private final Map<Fusion.FusedStep, String> javaStatements = new IdentityHashMap<>();
  private final ThreadLocal<BufferPool> pools = ThreadLocal.withInitial(BufferPool::new);

  /** The CPU executable of a plan (see {@link ProgramCompiler#plan}). */
  public static Executable of(org.vmap4j.backend.Plan plan) {
    ExecutionPlan p = ExecutionPlan.of(plan);
    return new Executable(p.program(), p.steps());
  }

  Executable(Program program, List<Fusion.Step> steps) {
    this.program = program;
    this.steps = List.copyOf(steps);
    for (Fusion.Step s : this.steps) {
      if (s instanceof Fusion.FusedStep f) {
        javaStatements.put(f, JavaScalarOps.statements(f.kernel().steps()));
      }
    }
  }

  /** The optimized program this runs. */
  public Program program() {
    return program;
  }

  /** How many fused kernels the plan has (for tests and diagnostics). */
  public int fusedKernelCount() {
    return (int) steps.stream().filter(s -> s instanceof Fusion.FusedStep).count();
  }

  /** The fused kernels of this plan, in execution order. */
  public List<KernelDescription> kernels() {
    List<KernelDescription> out = new ArrayList<>();
    for (Fusion.Step s : steps) {
      if (s instanceof Fusion.FusedStep f) {
        out.add(f.kernel());
      }
    }
    return out;
  }

  public int stepCount() {
    return steps.size();
  }

  /**
   * Runs the program. Intermediate arrays are recycled for the next call on the same thread (see
   * {@link BufferPool}); the results' arrays are never recycled.
   */
  @Override
  public List<CpuTensor> run(List<? extends Tensor> args) {
    List<CpuTensor> concrete = new ArrayList<>(args.size());
    for (int i = 0; i < args.size(); i++) {
      concrete.add(concrete(args.get(i), "argument " + i));
    }
    return pools
        .get()
        .using(
            () -> runSteps(concrete),
            out -> {
              List<Object> held = new ArrayList<>();
              out.forEach(t -> held.add(t.data()));
              return held;
            });
  }

  /**
   * Runs the program after taking back the arrays of {@code donated}, results of earlier calls of
   * this executable on this thread that the caller will not read again, so that this call's
   * allocations (its results' included) reuse them instead of touching fresh memory. Tensors of
   * {@code donated} that are not such results (inputs passed through, constants) are left alone.
   * After the call, {@code donated} may hold this call's numbers or be overwritten by later calls.
   */
  public List<CpuTensor> run(List<CpuTensor> args, List<CpuTensor> donated) {
    recycle(donated);
    return run(args);
  }

  /** How many allocations this executable's pool on this thread served with new arrays. */
  public long freshBuffers() {
    return pools.get().freshCount();
  }

  /**
   * Hands the storage of {@code dead}, results of earlier {@link #run} calls on this thread that
   * nobody reads any more, back to this executable's pool (see {@link BufferPool#giveBack}).
   */
  public void recycle(List<CpuTensor> dead) {
    BufferPool pool = pools.get();
    dead.forEach(t -> pool.giveBack(t.data()));
  }

  /** How many allocations this executable's pool on this thread served from recycled arrays. */
  public long reusedBuffers() {
    return pools.get().reusedCount();
  }

  /** {@code t} as the CPU tensor it is; a traced value is refused, naming {@code what}. */
  private static CpuTensor concrete(Tensor t, String what) {
    if (t instanceof CpuTensor c) {
      return c;
    }
    throw new IllegalArgumentException(
        what
            + " of a compiled program must be a concrete host tensor, got "
            + (t == null ? "null" : t.getClass().getSimpleName() + " " + t.type())
            + ": run the compiled program on values (jit the whole function instead of calling"
            + " it inside a transform)");
  }

  private List<CpuTensor> runSteps(List<CpuTensor> args) {
    Map<Var, CpuTensor> env = new IdentityHashMap<>();
    for (int i = 0; i < args.size(); i++) {
      env.put(program.inputs().get(i), args.get(i));
    }
    for (int i = 0; i < program.constVars().size(); i++) {
      env.put(program.constVars().get(i), program.constValues().get(i));
    }
    for (Fusion.Step step : steps) {
      if (step instanceof Fusion.PrimitiveStep ps) {
        runPrimitive(ps.equation(), env);
      } else {
        Fusion.FusedStep f = (Fusion.FusedStep) step;
        env.put(f.output(), runFused(f, env));
      }
    }
    List<CpuTensor> out = new ArrayList<>();
    program.outputs().forEach(v -> out.add(env.get(v)));
    return out;
  }

  /**
   * Runs one step of this executable's plan on the CPU, reading its inputs from {@code values}, and
   * returns its outputs (the equation's outputs in order, or the fused kernel's single output). For
   * a backend that runs the steps it cannot take itself here (the GPU backend's fall-back).
   *
   * @throws IllegalArgumentException if {@code step} is not a step of this plan
   */
  @Override
  public List<CpuTensor> runStep(
      PlanStep step, java.util.function.Function<Var, ? extends Tensor> values) {
    if (!(step instanceof Fusion.Step) || !steps.contains(step)) {
      throw new IllegalArgumentException("not a step of this executable's plan: " + step);
    }
    Map<Var, CpuTensor> env = new IdentityHashMap<>();
    step.reads().forEach(v -> env.put(v, concrete(values.apply(v), v.toString())));
    if (step instanceof Fusion.PrimitiveStep ps) {
      runPrimitive(ps.equation(), env);
      List<CpuTensor> out = new ArrayList<>();
      ps.equation().outputs().forEach(v -> out.add(env.get(v)));
      return out;
    }
    return List.of(runFused((Fusion.FusedStep) step, env));
  }

  private static void runPrimitive(Equation e, Map<Var, CpuTensor> env) {
    CpuTensor[] in = new CpuTensor[e.inputs().size()];
    for (int i = 0; i < in.length; i++) {
      in[i] = env.get(e.inputs().get(i));
    }
    TensorType[] types = new TensorType[e.outputs().size()];
    for (int i = 0; i < types.length; i++) {
      types[i] = e.outputs().get(i).type();
    }
    CpuTensor[] out =
        e.primitive() instanceof SubProgramPrimitive loop
            ? loop.evaluate(in, e.params(), types, COMPILED_SUB_PROGRAMS)
            : e.primitive().evaluate(in, e.params(), types);
    for (int i = 0; i < out.length; i++) {
      env.put(e.outputs().get(i), out[i]);
    }
  }

  /**
   * Runs the branches and bodies of control-flow steps as their own compiled executables (optimized
   * and fused like any program), compiled on first use and kept with the sub-program. A loop's dead
   * carries go back to the body executable's pool, so the body's next turn writes into them.
   */
  static final ProgramRunner COMPILED_SUB_PROGRAMS =
      new ProgramRunner() {
        @Override
        public List<CpuTensor> run(Program sub, List<CpuTensor> args) {
          return compiled(sub).run(args);
        }

        @Override
        public void release(Program sub, List<CpuTensor> dead) {
          compiled(sub).recycle(dead);
        }

        private Executable compiled(Program sub) {
          return (Executable) sub.compiledForm(ProgramCompiler::compile);
        }
      };

  private CpuTensor runFused(Fusion.FusedStep f, Map<Var, CpuTensor> env) {
    CpuTensor[] views = new CpuTensor[f.inputs().size()];
    for (int i = 0; i < views.length; i++) {
      Fusion.Input in = f.inputs().get(i);
      CpuTensor value = env.get(in.source());
      // an absorbed view primitive (a broadcast) evaluates to a view: nothing is copied
      views[i] =
          in.view() == null
              ? value
              : in.view()
                  .primitive()
                  .evaluate(
                      new CpuTensor[] {value},
                      in.view().params(),
                      new TensorType[] {in.viewType()})[0];
    }
    TensorType outType = f.output().type();
    KernelDescription k = f.kernel();
    if (k.reduce() == null) {
      return ElementwiseKernels.applyFused(
          k.steps(), javaStatements.get(f), k.result(), views, outType);
    }
    return FusedReductions.applyFused(
        k.steps(),
        javaStatements.get(f),
        k.result(),
        k.resultType(),
        views,
        k.shape(),
        k.reducedDims(),
        k.reduce(),
        outType);
  }
}
