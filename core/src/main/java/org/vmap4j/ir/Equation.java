package org.vmap4j.ir;

import java.util.List;
import org.vmap4j.interpreter.Params;
import org.vmap4j.interpreter.Primitive;

/** One primitive application in a program: {@code outputs = primitive[params] inputs}. */
public record Equation(Primitive primitive, Params params, List<Var> inputs, List<Var> outputs) {
  public Equation {
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
  }
}
