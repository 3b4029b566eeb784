package org.vmap4j.ir;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.vmap4j.Tensor;
import org.vmap4j.TensorType;
import org.vmap4j.cpu.CpuTensor;
import org.vmap4j.interpreter.Interpreters;

/**
 * A typed SSA program: inputs, constants (concrete tensors the traced function captured), equations
 * in order, and outputs. The unit that is optimized, compiled, cached, serialized and shipped.
 * {@link #evaluate} binds every equation, so a program runs under any transform.
 */
public final class Program {
  private final List<Var> inputs;
  private final List<Var> constVars;
  private final List<CpuTensor> constValues;
  private final List<Equation> equations;
  private final List<Var> outputs;

  /** This program's compiled form when it runs as a loop body or branch; see compiledForm. */
  private final java.util.concurrent.atomic.AtomicReference<Object> compiled =
      new java.util.concurrent.atomic.AtomicReference<>();

  public Program(
      List<Var> inputs,
      List<Var> constVars,
      List<CpuTensor> constValues,
      List<Equation> equations,
      List<Var> outputs) {
    if (constVars.size() != constValues.size()) {
      throw new IllegalArgumentException("each constant needs a value");
    }
    this.inputs = List.copyOf(inputs);
    this.constVars = List.copyOf(constVars);
    this.constValues = List.copyOf(constValues);
    this.equations = List.copyOf(equations);
    this.outputs = List.copyOf(outputs);
  }

  public List<Var> inputs() {
    return inputs;
  }

  public List<Var> constVars() {
    return constVars;
  }

  public List<CpuTensor> constValues() {
    return constValues;
  }

  public List<Equation> equations() {
    return equations;
  }

  public List<Var> outputs() {
    return outputs;
  }

  /**
   * The compiled form of this program as a sub-program of a control-flow primitive, made by {@code
   * compile} on first use and kept with the program (so a loop body compiles once however often the
   * loop runs, and is collected with the program that holds it).
   */
  public Object compiledForm(java.util.function.Function<Program, Object> compile) {
    Object c = compiled.get();
    if (c == null) {
      c = compile.apply(this);
      if (!compiled.compareAndSet(null, c)) {
        c = compiled.get();
      }
    }
    return c;
  }

  public List<TensorType> outputTypes() {
    List<TensorType> t = new ArrayList<>();
    outputs.forEach(v -> t.add(v.type()));
    return t;
  }

  public List<TensorType> inputTypes() {
    List<TensorType> t = new ArrayList<>();
    inputs.forEach(v -> t.add(v.type()));
    return t;
  }

  /** Runs the program by binding each equation: eagerly, or under whatever transforms apply. */
  public List<Tensor> evaluate(List<? extends Tensor> args) {
    if (args.size() != inputs.size()) {
      throw new IllegalArgumentException(
          "the program takes " + inputs.size() + " inputs, got " + args.size());
    }
    Map<Var, Tensor> env = new IdentityHashMap<>();
    for (int i = 0; i < inputs.size(); i++) {
      Tensor a = args.get(i);
      if (!a.type().equals(inputs.get(i).type())) {
        throw new IllegalArgumentException(
            "program input " + i + " must be " + inputs.get(i).type() + ", got " + a.type());
      }
      env.put(inputs.get(i), a);
    }
    for (int i = 0; i < constVars.size(); i++) {
      env.put(constVars.get(i), constValues.get(i));
    }
    for (Equation e : equations) {
      Tensor[] in = new Tensor[e.inputs().size()];
      for (int i = 0; i < in.length; i++) {
        in[i] = env.get(e.inputs().get(i));
      }
      Tensor[] out = Interpreters.bind(e.primitive(), e.params(), in);
      for (int i = 0; i < out.length; i++) {
        env.put(e.outputs().get(i), out[i]);
      }
    }
    List<Tensor> result = new ArrayList<>();
    outputs.forEach(v -> result.add(env.get(v)));
    return result;
  }

  /**
   * The readable form:
   *
   * <pre>
   * { lambda a:f32[4096,256] b:f32[256] ;
   *     c:f32[4096] = dot_general[...] a b
   *     d:f32[4096] = logistic c
   *   in (d) }
   * </pre>
   *
   * Constants appear as {@code e:f32[3] = const} lines before the equations.
   */
  @Override
  public String toString() {
    return ProgramText.print(this);
  }
}
