package org.vmap4j.compiler;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.vmap4j.cpu.CpuTensor;
import org.vmap4j.ir.Equation;
import org.vmap4j.ir.Program;
import org.vmap4j.ir.Var;

/**
 * Rebuilds a program while a pass rewrites it: equations are kept, dropped or replaced, and a
 * variable can be redirected to another (its uses then read the other), which is how passes remove
 * an equation whose result equals an existing value.
 */
final class ProgramBuilder {
  private final Program source;
  private final List<Var> constVars = new ArrayList<>();
  private final List<CpuTensor> constValues = new ArrayList<>();
  private final List<Equation> equations = new ArrayList<>();
  private final Map<Var, Var> redirect = new IdentityHashMap<>();

  ProgramBuilder(Program source) {
    this.source = source;
    constVars.addAll(source.constVars());
    constValues.addAll(source.constValues());
  }

  /** The variable that now holds {@code v}'s value. */
  Var resolve(Var v) {
    Var r = redirect.get(v);
    return r == null ? v : resolve(r);
  }

  List<Var> resolve(List<Var> vars) {
    List<Var> out = new ArrayList<>(vars.size());
    vars.forEach(v -> out.add(resolve(v)));
    return out;
  }

  void redirect(Var from, Var to) {
    redirect.put(from, to);
  }

  /** Adds an equation with its inputs resolved. */
  void add(Equation e) {
    equations.add(new Equation(e.primitive(), e.params(), resolve(e.inputs()), e.outputs()));
  }

  void addConstant(Var v, CpuTensor value) {
    constVars.add(v);
    constValues.add(value);
  }

  Program build() {
    return new Program(
        source.inputs(), constVars, constValues, equations, resolve(source.outputs()));
  }
}
