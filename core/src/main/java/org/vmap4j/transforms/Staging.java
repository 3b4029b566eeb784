package org.vmap4j.transforms;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.vmap4j.Tensor;
import org.vmap4j.TensorType;
import org.vmap4j.Tree;
import org.vmap4j.TreeDef;
import org.vmap4j.interpreter.Interpreters;
import org.vmap4j.interpreter.MainTrace;
import org.vmap4j.ir.Program;
import org.vmap4j.ir.Var;

/**
 * Traces a function into a {@link Program} at the types of example arguments. {@code Func.trace}
 * and {@code Func.jit} are the public faces.
 */
public final class Staging {
  private Staging() {}

  /**
   * A traced function: the program (whose inputs are the argument leaves followed by the captured
   * values), the result's structure, and the values of enclosing transforms it captured (empty when
   * traced outside any transform).
   */
  public record Traced(Program program, TreeDef resultDef, List<Tensor> captured) {}

  public static Traced trace(Function<Object[], Object> fn, Object[] args, String transformName) {
    List<TreeDef> defs = new ArrayList<>();
    List<List<TensorType>> types = new ArrayList<>();
    for (Object arg : args) {
      Tree.Flat flat = Tree.flatten(arg);
      defs.add(flat.def());
      List<TensorType> t = new ArrayList<>();
      flat.leaves().forEach(leaf -> t.add(leaf.type()));
      types.add(t);
    }
    return traceAt(fn, defs, types, transformName);
  }

  /**
   * As {@link #trace}, at argument structures and leaf types alone (no example values needed: a
   * loop body is traced at the type of one slice of its inputs).
   */
  public static Traced traceAt(
      Function<Object[], Object> fn,
      List<TreeDef> argDefs,
      List<List<TensorType>> argTypes,
      String transformName) {
    // One trace object holds the recording, so every request for this level's trace (bind
    // also asks for it, for random primitives) records into the same program.
    StagingTrace[] shared = new StagingTrace[1];
    try (Interpreters.Level level =
        Interpreters.push(
            transformName,
            main -> shared[0] != null ? shared[0] : (shared[0] = new StagingTrace(main)))) {
      MainTrace main = level.main();
      StagingTrace trace = (StagingTrace) main.newTrace();
      List<Var> inputs = new ArrayList<>();
      Object[] staged = new Object[argDefs.size()];
      for (int a = 0; a < staged.length; a++) {
        List<Tensor> leaves = new ArrayList<>();
        for (TensorType type : argTypes.get(a)) {
          StagedTracer t = trace.input(type);
          inputs.add(t.var());
          leaves.add(t);
        }
        main.noteInputs(leaves);
        staged[a] = argDefs.get(a).unflatten(leaves);
      }
      Tree.Flat out = Tree.flatten(fn.apply(staged));
      List<Var> outputs = new ArrayList<>();
      for (Tensor leaf : out.leaves()) {
        StagedTracer t =
            leaf instanceof StagedTracer s && s.trace().main() == main
                ? s
                : (StagedTracer) trace.lift(leaf);
        outputs.add(t.var());
      }
      List<Var> allInputs = new ArrayList<>(inputs);
      allInputs.addAll(trace.capturedVars);
      Program p =
          new Program(allInputs, trace.constVars, trace.constValues, trace.equations, outputs);
      return new Traced(p, out.def(), List.copyOf(trace.capturedValues));
    }
  }

  /**
   * A closed program of a function of flat tensor lists, at the given input types: how control-flow
   * rules build the transformed sub-programs (a batched body, the JVP of a branch) from the
   * original ones.
   *
   * @throws IllegalStateException if {@code fn} uses a value of an enclosing transform
   */
  public static Program traceClosed(
      List<TensorType> inputTypes, Function<List<Tensor>, List<Tensor>> fn, String name) {
    @SuppressWarnings("unchecked")
    Traced t =
        traceAt(
            args -> fn.apply((List<Tensor>) args[0]),
            List.of(
                Tree.structure(
                    new ArrayList<>(
                        java.util.Collections.nCopies(inputTypes.size(), Tensor.scalar(0))))),
            List.of(inputTypes),
            name);
    if (!t.captured().isEmpty()) {
      throw new IllegalStateException(name + ": a derived sub-program captured outer values");
    }
    return t.program();
  }
}
