package org.vmap4j.backend;

import java.util.List;
import org.vmap4j.ir.Program;

/**
 * What core's compiler hands a {@link Backend}: the optimized program and its steps in execution
 * order (fused kernels and single primitives). The CPU backend runs all steps itself; another
 * backend walks the steps, decides per step where it runs, and runs the rest through {@link
 * #cpuSteps()}. Only core creates plans.
 */
public interface Plan {
  /** The optimized program; its inputs, constants and outputs are the plan's. */
  Program program();

  /** Every equation of {@link #program()} belongs to exactly one step. */
  List<? extends PlanStep> steps();

  /**
   * This plan's steps compiled for the CPU (each call compiles anew: keep the result), for a
   * backend's fall-back on steps it does not run itself.
   */
  StepRunner cpuSteps();
}
