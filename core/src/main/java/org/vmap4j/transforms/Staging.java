package org.vmap4j.transforms;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.vmap4j.Tensor;
import org.vmap4j.Tree;
import org.vmap4j.TreeDef;
import org.vmap4j.core.Interpreters;
import org.vmap4j.core.MainTrace;
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
      Object[] staged = new Object[args.length];
      for (int a = 0; a < args.length; a++) {
        Tree.Flat flat = Tree.flatten(args[a]);
        main.noteInputs(flat.leaves());
        List<Tensor> leaves = new ArrayList<>();
        for (Tensor leaf : flat.leaves()) {
          StagedTracer t = trace.input(leaf.type());
          inputs.add(t.var());
          leaves.add(t);
        }
        staged[a] = flat.def().unflatten(leaves);
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
}
