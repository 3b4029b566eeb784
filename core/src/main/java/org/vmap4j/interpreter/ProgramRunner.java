package org.vmap4j.interpreter;

import java.util.ArrayList;
import java.util.List;
import org.vmap4j.Tensor;
import org.vmap4j.cpu.CpuTensor;
import org.vmap4j.ir.Program;

/**
 * How a control-flow primitive runs its sub-programs on concrete tensors: interpreted equation by
 * equation (eager use, where a branch or body is traced anew on every call and compiling it would
 * cost more than it saves), or as a compiled, fused executable (inside {@code jit}, where the
 * sub-program is compiled once and the loop runs it many times).
 */
@FunctionalInterface
public interface ProgramRunner {
  List<CpuTensor> run(Program program, List<CpuTensor> args);

  /**
   * Says that {@code dead}, results of earlier {@link #run} calls of {@code program}, are no longer
   * read by anyone (a loop's previous carry), so their storage may serve the program's next run.
   * The caller must leave out every value still in use (one that the new carry or a stacked output
   * still holds). By default nothing is reused.
   */
  default void release(Program program, List<CpuTensor> dead) {}

  /** Binds each equation eagerly. */
  ProgramRunner INTERPRETED =
      (program, args) -> {
        List<CpuTensor> out = new ArrayList<>();
        for (Tensor t : program.evaluate(args)) {
          out.add((CpuTensor) t);
        }
        return out;
      };
}
