package org.vmap4j.interpreter;

import org.vmap4j.Tensor;
import org.vmap4j.TensorType;
import org.vmap4j.cpu.CpuTensor;

/**
 * A primitive whose parameters include sub-programs ({@code cond}, {@code while}, {@code scan}). It
 * runs on the host: its own loop or branch choice in Java, each sub-program through a {@link
 * ProgramRunner}. Eager evaluation interprets the sub-programs; a compiled program's executable
 * passes a runner that compiles each sub-program once (fusion inside a loop body), so a loop stays
 * one step of the plan however many times it turns.
 */
public interface SubProgramPrimitive extends Primitive {
  CpuTensor[] evaluate(
      CpuTensor[] inputs, Params params, TensorType[] outputTypes, ProgramRunner runner);

  /**
   * Forward mode in one pass: the primal results and their tangents (null for none), computed by
   * one control-flow application whose sub-programs carry primal and tangent values together.
   * {@code tangents} has null for operands with a zero tangent.
   */
  Tensor[][] jvpWithOutputs(Tensor[] primals, Tensor[] tangents, Params params);

  @Override
  default Tensor[] jvp(Tensor[] primals, Tensor[] tangents, Tensor[] outputs, Params params) {
    return jvpWithOutputs(primals, tangents, params)[1];
  }

  @Override
  default CpuTensor[] evaluate(CpuTensor[] inputs, Params params, TensorType[] outputTypes) {
    return evaluate(inputs, params, outputTypes, ProgramRunner.INTERPRETED);
  }

  /**
   * {@code params} as a program read from untrusted bytes may run them, with at most {@code
   * maxIterations} turns of a loop (ProgramLimits.withMaxLoopIterations): a loop whose length is
   * known and longer throws an {@link IllegalArgumentException} naming both, one whose length is
   * not gets the limit as its cap. Unchanged for a primitive that does not loop.
   */
  default Params boundedTo(long maxIterations, Params params) {
    return params;
  }
}
