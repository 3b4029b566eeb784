package org.vmap4j.compiler;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.vmap4j.cpu.CpuTensor;
import org.vmap4j.ir.Equation;
import org.vmap4j.ir.Program;
import org.vmap4j.ir.Var;

/** Removes equations and constants whose results no output depends on. */
final class DeadCodeElimination {
  private DeadCodeElimination() {}

  static Program run(Program p) {
    Set<Var> live = Collections.newSetFromMap(new IdentityHashMap<>());
    live.addAll(p.outputs());
    List<Equation> kept = new ArrayList<>();
    List<Equation> eqs = p.equations();
    for (int i = eqs.size() - 1; i >= 0; i--) {
      Equation e = eqs.get(i);
      if (e.outputs().stream().anyMatch(live::contains)) {
        kept.add(e);
        live.addAll(e.inputs());
      }
    }
    Collections.reverse(kept);
    List<Var> constVars = new ArrayList<>();
    List<CpuTensor> constValues = new ArrayList<>();
    for (int i = 0; i < p.constVars().size(); i++) {
      if (live.contains(p.constVars().get(i))) {
        constVars.add(p.constVars().get(i));
        constValues.add(p.constValues().get(i));
      }
    }
    return new Program(p.inputs(), constVars, constValues, kept, p.outputs());
  }
}
