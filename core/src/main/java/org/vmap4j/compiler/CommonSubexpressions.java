package org.vmap4j.compiler;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.vmap4j.interpreter.Params;
import org.vmap4j.interpreter.Primitive;
import org.vmap4j.ir.Equation;
import org.vmap4j.ir.Program;
import org.vmap4j.ir.Var;

/**
 * Merges equations that apply the same primitive with the same parameters to the same variables.
 * Random primitives merge too: their numbers are a function of their parameters.
 */
final class CommonSubexpressions {
  private CommonSubexpressions() {}

  private record Key(Primitive primitive, Params params, List<Var> inputs) {
    // Var compares by identity, so List.equals on inputs compares variables by identity
  }

  static Program run(Program p) {
    ProgramBuilder b = new ProgramBuilder(p);
    Map<Key, Equation> seen = new HashMap<>();
    for (Equation e : p.equations()) {
      Key k = new Key(e.primitive(), e.params(), b.resolve(e.inputs()));
      Equation earlier = seen.get(k);
      if (earlier != null) {
        for (int i = 0; i < e.outputs().size(); i++) {
          b.redirect(e.outputs().get(i), earlier.outputs().get(i));
        }
      } else {
        seen.put(k, e);
        b.add(e);
      }
    }
    return b.build();
  }
}
