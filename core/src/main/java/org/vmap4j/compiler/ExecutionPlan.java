package org.vmap4j.compiler;

import java.util.List;
import org.vmap4j.ir.Program;

/**
 * What the compiler hands a backend: the optimized program and its steps in execution order (fused
 * kernels and single primitives). The CPU backend runs it as an {@link Executable}; another backend
 * (the GPU module) walks the same steps and decides per step where it runs.
 *
 * @param program the optimized program; its inputs, constants and outputs are the plan's
 * @param steps every equation of {@code program} belongs to exactly one step
 */
public record ExecutionPlan(Program program, List<Fusion.Step> steps) {
  public ExecutionPlan {
    steps = List.copyOf(steps);
  }
}
