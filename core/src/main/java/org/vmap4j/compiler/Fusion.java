package org.vmap4j.compiler;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.vmap4j.DType;
import org.vmap4j.TensorType;
import org.vmap4j.backend.PlanStep;
import org.vmap4j.interpreter.Shapes;
import org.vmap4j.interpreter.SubProgramPrimitive;
import org.vmap4j.ir.Equation;
import org.vmap4j.ir.Program;
import org.vmap4j.ir.Var;
import org.vmap4j.kernel.KernelDescription;
import org.vmap4j.kernel.KernelPrimitive;
import org.vmap4j.kernel.ReductionPrimitive;
import org.vmap4j.kernel.ScalarOp;
import org.vmap4j.kernel.ScalarPrimitive;
import org.vmap4j.kernel.ScalarStep;
import org.vmap4j.kernel.View;

/**
 * Groups element-wise equations into fused kernels: a group grows from its last equation backwards
 * over producers whose results only the group uses, absorbs the primitives that say they fuse as
 * views ({@link KernelPrimitive#fusesAsView}: broadcasts, whose views read with stride 0), and
 * takes in a reduction over trailing dimensions that consumes its result, so intermediates never
 * reach memory. Everything else runs as one primitive per step. Fusion names no primitive: it reads
 * what each states: its scalar operation ({@link ScalarPrimitive}), its kernel and whether it fuses
 * as a view ({@link KernelPrimitive}), its monoid and axes ({@link ReductionPrimitive}).
 */
public final class Fusion {
  private Fusion() {}

  /**
   * One step of an execution plan. Public so that another backend (the GPU module) can walk a plan
   * that this compiler produced; only the compiler creates steps.
   */
  public sealed interface Step extends PlanStep permits PrimitiveStep, FusedStep {}

  /** One primitive equation, run on its own. */
  public record PrimitiveStep(Equation equation) implements Step, PlanStep.Single {
    @Override
    public Optional<KernelDescription> kernel() {
      return Optional.ofNullable(kernelOf(equation));
    }

    @Override
    public boolean runsSubPrograms() {
      return equation.primitive() instanceof SubProgramPrimitive;
    }
  }

  /**
   * An input of a fused kernel: a variable, read directly ({@code view} null) or through an
   * absorbed equation whose primitive {@link KernelPrimitive#fusesAsView fuses as a view} (a
   * broadcast of {@code source}), as {@code viewType}: the kernel reads it through the view of that
   * equation's kernel, and the CPU evaluates the equation itself, which is a view that copies
   * nothing.
   */
  public record Input(Var source, Equation view, TensorType viewType) {}

  /** The kernel an equation's primitive states for its operand and result types, or null. */
  static KernelDescription kernelOf(Equation e) {
    if (!(e.primitive() instanceof KernelPrimitive kp)) {
      return null;
    }
    TensorType[] in = new TensorType[e.inputs().size()];
    for (int i = 0; i < in.length; i++) {
      in[i] = e.inputs().get(i).type();
    }
    return kp.kernel(in, e.params(), e.outputs().get(0).type());
  }

  /** Whether fused kernels read {@code e}'s operand through its view instead of its result. */
  private static boolean fusesAsView(Equation e) {
    return e.primitive() instanceof KernelPrimitive kp && kp.fusesAsView();
  }

  /**
   * A fused kernel of the plan: the backend-independent {@link KernelDescription} (its inputs
   * x0..xk are {@code inputs}, in order), written to {@code output}. The CPU backend renders the
   * description as Java; the GPU backend renders the same description as PTX.
   */
  public record FusedStep(List<Input> inputs, KernelDescription kernel, Var output)
      implements Step, PlanStep.Fused {
    public FusedStep {
      inputs = List.copyOf(inputs);
      if (inputs.size() != kernel.inputTypes().size()) {
        throw new IllegalArgumentException(
            inputs.size() + " inputs for a kernel of " + kernel.inputTypes().size());
      }
    }

    @Override
    public List<Var> reads() {
      List<Var> out = new ArrayList<>();
      inputs.forEach(i -> out.add(i.source()));
      return out;
    }
  }

  static List<Step> plan(Program p) {
    List<Equation> eqs = p.equations();
    Map<Var, Equation> producer = new IdentityHashMap<>();
    Map<Var, List<Equation>> consumers = new IdentityHashMap<>();
    for (Equation e : eqs) {
      e.outputs().forEach(v -> producer.put(v, e));
      e.inputs().forEach(v -> consumers.computeIfAbsent(v, k -> new ArrayList<>()).add(e));
    }
    Set<Var> programOutputs = Collections.newSetFromMap(new IdentityHashMap<>());
    programOutputs.addAll(p.outputs());
    Set<Equation> assigned = Collections.newSetFromMap(new IdentityHashMap<>());
    Map<Equation, FusedStep> byRoot = new IdentityHashMap<>();
    for (int i = eqs.size() - 1; i >= 0; i--) {
      Equation e = eqs.get(i);
      if (assigned.contains(e)) {
        continue;
      }
      Equation reduce = null;
      Equation root = e;
      if (trailingReduction(e) != null) {
        Equation in = producer.get(e.inputs().get(0));
        Var v = e.inputs().get(0);
        if (in != null
            && !assigned.contains(in)
            && in.primitive() instanceof ScalarPrimitive
            && consumers.get(v).size() == 1
            && !programOutputs.contains(v)) {
          reduce = e;
          root = in;
        }
      }
      if (!(root.primitive() instanceof ScalarPrimitive)) {
        continue;
      }
      List<Equation> members = grow(root, producer, consumers, programOutputs, assigned);
      assigned.addAll(members);
      if (reduce != null) {
        assigned.add(reduce);
      }
      byRoot.put(reduce != null ? reduce : root, build(members, root, reduce, producer, eqs));
    }
    List<Step> steps = new ArrayList<>();
    for (Equation e : eqs) {
      FusedStep f = byRoot.get(e);
      if (f != null) {
        steps.add(f);
      } else if (!assigned.contains(e)) {
        steps.add(new PrimitiveStep(e));
      }
    }
    return steps;
  }

  /**
   * The primitive of {@code e} when it is a reduction over its operand's trailing axes, which a
   * fused kernel can finish; otherwise null.
   */
  private static ReductionPrimitive trailingReduction(Equation e) {
    if (!(e.primitive() instanceof ReductionPrimitive r)) {
      return null;
    }
    int[] axes = r.reducedAxes(e.params());
    int n = e.inputs().get(0).type().ndim();
    return axes.length > 0 && Arrays.equals(axes, Shapes.range(n - axes.length, n)) ? r : null;
  }

  /** The group's equations (element-wise ones and absorbed broadcasts), in program order. */
  private static List<Equation> grow(
      Equation root,
      Map<Var, Equation> producer,
      Map<Var, List<Equation>> consumers,
      Set<Var> programOutputs,
      Set<Equation> assigned) {
    Set<Equation> members = Collections.newSetFromMap(new IdentityHashMap<>());
    members.add(root);
    int[] shape = root.outputs().get(0).type().shape();
    boolean changed = true;
    while (changed) {
      changed = false;
      for (Equation m : new ArrayList<>(members)) {
        if (fusesAsView(m)) {
          continue;
        }
        for (Var v : m.inputs()) {
          Equation pe = producer.get(v);
          if (pe == null
              || members.contains(pe)
              || assigned.contains(pe)
              || programOutputs.contains(v)
              || !members.containsAll(consumers.get(v))) {
            continue;
          }
          boolean elementwise =
              pe.primitive() instanceof ScalarPrimitive && Arrays.equals(v.type().shape(), shape);
          if (elementwise || fusesAsView(pe)) {
            members.add(pe);
            changed = true;
          }
        }
      }
    }
    return new ArrayList<>(members);
  }

  private static FusedStep build(
      List<Equation> members,
      Equation root,
      Equation reduce,
      Map<Var, Equation> producer,
      List<Equation> programOrder) {
    Map<Equation, Integer> position = new HashMap<>();
    for (int i = 0; i < programOrder.size(); i++) {
      position.put(programOrder.get(i), i);
    }
    List<Equation> ordered = new ArrayList<>(members);
    ordered.sort((a, b) -> Integer.compare(position.get(a), position.get(b)));
    Set<Equation> memberSet = Collections.newSetFromMap(new IdentityHashMap<>());
    memberSet.addAll(members);
    Map<Var, String> names = new IdentityHashMap<>();
    Map<String, Integer> inputIndex = new LinkedHashMap<>();
    List<Input> inputs = new ArrayList<>();
    List<ScalarStep> temps = new ArrayList<>();
    for (Equation e : ordered) {
      if (fusesAsView(e)) {
        continue;
      }
      List<String> operands = new ArrayList<>();
      List<DType> operandTypes = new ArrayList<>();
      for (Var v : e.inputs()) {
        String name = names.get(v);
        if (name == null) {
          Equation pe = producer.get(v);
          Input in =
              pe != null && memberSet.contains(pe)
                  ? new Input(pe.inputs().get(0), pe, v.type())
                  : new Input(v, null, v.type());
          String key = System.identityHashCode(in.source()) + "/" + viewKey(in);
          Integer k = inputIndex.get(key);
          if (k == null) {
            k = inputs.size();
            inputIndex.put(key, k);
            inputs.add(in);
          }
          name = KernelDescription.inputName(k);
        }
        operands.add(name);
        operandTypes.add(v.type().dtype());
      }
      Var out = e.outputs().get(0);
      String t = "t" + temps.size();
      names.put(out, t);
      ScalarOp op = ((ScalarPrimitive) e.primitive()).scalarOp();
      temps.add(new ScalarStep(t, op, out.type().dtype(), operands, operandTypes));
    }
    Var rootOut = root.outputs().get(0);
    ReductionPrimitive reduction = reduce == null ? null : trailingReduction(reduce);
    List<DType> inputTypes = new ArrayList<>();
    List<View> views = new ArrayList<>();
    for (Input i : inputs) {
      inputTypes.add(i.viewType().dtype());
      views.add(view(i));
    }
    KernelDescription kernel =
        new KernelDescription(
            temps,
            names.get(rootOut),
            rootOut.type().dtype(),
            inputTypes,
            rootOut.type().shape(),
            reduction == null ? null : reduction.monoid(),
            reduction == null ? 0 : reduction.reducedAxes(reduce.params()).length,
            views);
    return new FusedStep(inputs, kernel, reduce == null ? rootOut : reduce.outputs().get(0));
  }

  /**
   * How the kernel reads {@code in}: contiguously, or, through an absorbed equation, with the view
   * of that equation's own kernel (a broadcast's: stride 0 along the dimensions it adds or
   * stretches).
   */
  private static View view(Input in) {
    return in.view() == null ? View.CONTIGUOUS : kernelOf(in.view()).views().get(0);
  }

  /** Two inputs of one source read through equal views are one kernel input. */
  private static String viewKey(Input in) {
    return in.view() == null ? "null" : in.view().primitive().name() + in.view().params();
  }
}
