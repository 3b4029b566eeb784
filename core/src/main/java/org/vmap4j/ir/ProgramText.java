package org.vmap4j.ir;

import java.util.IdentityHashMap;
import java.util.Map;

/** Prints programs in the jaxpr-like text form, naming variables a, b, ..., z, ba, bb, .... */
final class ProgramText {
  private ProgramText() {}

  static String name(int i) {
    StringBuilder sb = new StringBuilder();
    do {
      sb.insert(0, (char) ('a' + i % 26));
      i = i / 26;
    } while (i > 0);
    return sb.toString();
  }

  static String print(Program p) {
    Map<Var, String> names = new IdentityHashMap<>();
    StringBuilder sb = new StringBuilder("{ lambda");
    for (Var v : p.inputs()) {
      sb.append(' ').append(declare(v, names));
    }
    sb.append(" ;\n");
    for (Var v : p.constVars()) {
      sb.append("    ").append(declare(v, names)).append(" = const\n");
    }
    for (Equation e : p.equations()) {
      sb.append("    ");
      for (int i = 0; i < e.outputs().size(); i++) {
        sb.append(i > 0 ? " " : "").append(declare(e.outputs().get(i), names));
      }
      sb.append(" = ").append(e.primitive().displayName()).append(e.params());
      for (Var in : e.inputs()) {
        sb.append(' ').append(use(in, names));
      }
      sb.append('\n');
    }
    sb.append("  in (");
    for (int i = 0; i < p.outputs().size(); i++) {
      sb.append(i > 0 ? ", " : "").append(use(p.outputs().get(i), names));
    }
    return sb.append(") }").toString();
  }

  private static String declare(Var v, Map<Var, String> names) {
    String n = names.computeIfAbsent(v, k -> name(names.size()));
    return n + ":" + v.type();
  }

  private static String use(Var v, Map<Var, String> names) {
    String n = names.get(v);
    if (n == null) {
      throw new IllegalStateException("variable used before it is defined: " + v);
    }
    return n;
  }
}
