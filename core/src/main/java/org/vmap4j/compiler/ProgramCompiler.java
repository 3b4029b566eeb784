package org.vmap4j.compiler;

import org.vmap4j.ir.Program;

/**
 * Optimizes a program and plans its execution: simplification, common subexpressions, constant
 * folding, dead code, then fusion into loop kernels.
 */
public final class ProgramCompiler {
  private ProgramCompiler() {}

  /** The optimization passes alone (useful to inspect their effect on the printed program). */
  public static Program optimize(Program p) {
    Program q = AlgebraicSimplification.run(p);
    q = CommonSubexpressions.run(q);
    q = ConstantFolding.run(q);
    q = AlgebraicSimplification.run(q);
    q = CommonSubexpressions.run(q);
    return DeadCodeElimination.run(q);
  }

  public static Executable compile(Program p) {
    Program q = optimize(p);
    return new Executable(q, Fusion.plan(q));
  }
}
