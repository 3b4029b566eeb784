package org.vmap4j.kernel;

import java.util.List;
import org.vmap4j.TensorType;
import org.vmap4j.interpreter.Params;
import org.vmap4j.ir.Equation;

/**
 * A primitive that is a batched matrix product: it states, once, which of its operands' dimensions
 * are batch, free and contracted ({@link Contraction}); every backend maps that onto a {@link
 * GemmDescription} for the operand layouts it holds ({@link Contraction#onto}) and renders the
 * description with its own micro-kernels. The primitive keeps its other rules (shapes, batching,
 * derivatives) in its own file, as a {@link KernelPrimitive} does.
 */
public interface GemmPrimitive {
  /** The contraction computed on operands of types {@code in} with {@code params}. */
  Contraction contraction(TensorType[] in, Params params);

  /**
   * {@code e} (an application of this primitive) as transposes of the operands whose dimension
   * groups are scattered ({@link Contraction.Regroup}) into GEMM order, then one application of
   * this primitive on the transposed copies whose contraction maps directly onto a row-major GEMM.
   * For a backend that reads only row-major arrays: the transposes' results are fresh variables
   * that never leave the step.
   */
  Regrouped regrouped(Equation e);

  /** The equations of {@link #regrouped}, in the order they run. */
  record Regrouped(List<Equation> transposes, Equation product) {
    public Regrouped {
      transposes = List.copyOf(transposes);
    }
  }
}
