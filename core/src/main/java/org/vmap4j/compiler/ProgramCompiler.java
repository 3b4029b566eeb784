package org.vmap4j.compiler;

import org.vmap4j.ir.Program;

/**
 * Optimizes a program and plans its execution: sums of products moved out of scans ({@link
 * ScanAccumulators}), simplification, common subexpressions, constant folding, per-sample gradient
 * reductions from their factors ({@link PerSampleGradientRewrites}), dead code, then fusion into
 * loop kernels.
 */
public final class ProgramCompiler {
  private ProgramCompiler() {}

  /** The optimization passes alone (useful to inspect their effect on the printed program). */
  public static Program optimize(Program p) {
    // First, while scan bodies are as traced: accumulators moved out leave (init + product) terms
    // that simplification and the per-sample rewrites below then see.
    Program q = ScanAccumulators.run(p);
    q = AlgebraicSimplification.run(q);
    q = CommonSubexpressions.run(q);
    q = ConstantFolding.run(q);
    q = AlgebraicSimplification.run(q);
    q = CommonSubexpressions.run(q);
    // After simplification, which gives per-sample outer products the form the rewrites match.
    q = PerSampleGradientRewrites.run(q);
    q = CommonSubexpressions.run(q);
    return DeadCodeElimination.run(q);
  }

  /** Optimizes {@code p} and groups it into steps, for any backend to compile. */
  public static ExecutionPlan plan(Program p) {
    Program q = optimize(p);
    return new ExecutionPlan(q, Fusion.plan(q));
  }

  /** Optimizes and plans {@code p} for the CPU. */
  public static Executable compile(Program p) {
    return Executable.of(plan(p));
  }
}
