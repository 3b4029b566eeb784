package org.vmap4j.spark;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.vmap4j.ir.Equation;
import org.vmap4j.ir.Program;
import org.vmap4j.ir.Var;
import org.vmap4j.spark.executor.ProgramKernel;

/**
 * Whether a traced function's outputs depend on its per-example inputs. One that does not gives
 * every row the same values: usually Java code whose result was frozen into the program when the
 * driver traced it ({@code Math.random()}, {@code System.nanoTime()}, a {@code TaskContext} read),
 * which the connector warns about once.
 */
final class InputDependence {
  private InputDependence() {}

  /** Whether any output of {@code program} depends on its inputs from {@code firstInput} on. */
  static boolean anyOutputDependsOnInputs(Program program, int firstInput) {
    Set<Var> dependent = Collections.newSetFromMap(new IdentityHashMap<>());
    List<Var> inputs = program.inputs();
    dependent.addAll(inputs.subList(Math.min(firstInput, inputs.size()), inputs.size()));
    for (Equation e : program.equations()) {
      if (e.primitive().isRandom()) {
        dependent.addAll(e.outputs()); // random numbers vary by row as inputs do
        continue;
      }
      for (Var in : e.inputs()) {
        if (dependent.contains(in)) {
          dependent.addAll(e.outputs());
          break;
        }
      }
    }
    for (Var out : program.outputs()) {
      if (dependent.contains(out)) {
        return true;
      }
    }
    return false;
  }

  /** Warns once per JVM when {@code kernel}'s outputs do not depend on its input columns. */
  static void warnIfConstant(ProgramKernel kernel, List<String> columns) {
    if (anyOutputDependsOnInputs(kernel.program(), kernel.constantLeaves())) {
      return;
    }
    OneTimeWarnings.warn(
        "constant output",
        "vmapUdf: the function's outputs do not depend on its input columns "
            + columns
            + ", so every row gets the same values. The driver traces the function once: Java"
            + " code in it (Math.random(), System.nanoTime(), reading TaskContext, side effects)"
            + " runs there, once, and its results are frozen into the program; see"
            + " docs/spark.md, 'What runs where'");
  }
}
