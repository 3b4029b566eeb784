package org.vmap4j.ir;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Prints programs in the jaxpr-like text form, naming variables a, b, ..., z, ba, bb, .... A
 * sub-program parameter (a branch of cond, the body of a loop) prints in full, indented under its
 * equation, with its own variable names.
 */
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
    return print(p, "");
  }

  private static String print(Program p, String indent) {
    Map<Var, String> names = new IdentityHashMap<>();
    StringBuilder sb = new StringBuilder("{ lambda");
    for (Var v : p.inputs()) {
      sb.append(' ').append(declare(v, names));
    }
    sb.append(" ;\n");
    for (Var v : p.constVars()) {
      sb.append(indent).append("    ").append(declare(v, names)).append(" = const\n");
    }
    for (Equation e : p.equations()) {
      sb.append(indent).append("    ");
      for (int i = 0; i < e.outputs().size(); i++) {
        sb.append(i > 0 ? " " : "").append(declare(e.outputs().get(i), names));
      }
      sb.append(" = ").append(e.primitive().displayName()).append(params(e, indent + "      "));
      for (Var in : e.inputs()) {
        sb.append(' ').append(use(in, names));
      }
      sb.append('\n');
    }
    sb.append(indent).append("  in (");
    for (int i = 0; i < p.outputs().size(); i++) {
      sb.append(i > 0 ? ", " : "").append(use(p.outputs().get(i), names));
    }
    return sb.append(") }").toString();
  }

  /** The parameters as {@code Params} prints them, with sub-programs printed in full. */
  private static String params(Equation e, String indent) {
    boolean nested = false;
    for (Object v : e.params().asMap().values()) {
      nested |= v instanceof Program;
    }
    if (!nested) {
      return e.params().toString();
    }
    StringBuilder sb = new StringBuilder("[");
    boolean first = true;
    for (Map.Entry<String, Object> entry : e.params().asMap().entrySet()) {
      if (!(entry.getValue() instanceof Program)) {
        String one = org.vmap4j.interpreter.Params.of(entry.getKey(), entry.getValue()).toString();
        sb.append(first ? "" : " ").append(one, 1, one.length() - 1);
        first = false;
      }
    }
    for (Map.Entry<String, Object> entry : e.params().asMap().entrySet()) {
      if (entry.getValue() instanceof Program sub) {
        sb.append('\n').append(indent).append(entry.getKey()).append('=');
        sb.append(print(sub, indent));
      }
    }
    return sb.append(']').toString();
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
