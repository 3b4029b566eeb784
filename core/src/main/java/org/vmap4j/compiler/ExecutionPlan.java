package org.vmap4j.compiler;

import java.util.List;
import org.vmap4j.backend.Plan;
import org.vmap4j.ir.Program;

/**
 * What the compiler hands a backend: the optimized program and its steps in execution order (fused
 * kernels and single primitives). The CPU backend runs it as an {@link Executable}; another backend
 * (the GPU module) sees it as the exported {@link Plan}, walks the same steps and decides per step
 * where it runs.
 *
 * @param program the optimized program; its inputs, constants and outputs are the plan's
 * @param steps every equation of {@code program} belongs to exactly one step
 */
public record ExecutionPlan(Program program, List<Fusion.Step> steps) implements Plan {
  public ExecutionPlan {
    steps = List.copyOf(steps);
  }

  /**
   * {@code plan} as the compiler's own type. Every {@link Plan} is one (only core creates plans);
   * anything else is refused by name.
   */
  public static ExecutionPlan of(Plan plan) {
    if (plan instanceof ExecutionPlan p) {
      return p;
    }
    throw new IllegalArgumentException(
        "not a plan made by vmap4j's compiler: "
            + plan.getClass().getName()
            + " (backends compile the plans that jit hands them; they do not implement Plan)");
  }

  @Override
  public Executable cpuSteps() {
    return Executable.of(this);
  }
}
