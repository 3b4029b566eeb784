package org.vmap4j.kernel;

import java.util.List;
import org.vmap4j.DType;

/**
 * One node of a kernel's graph of scalar operations: {@code name = op(operands)} of {@code dtype}.
 * Operands name kernel inputs ({@code x0, x1, ...}) or earlier steps ({@code t0, t1, ...}); their
 * dtypes are {@code operandTypes}, in order.
 */
public record ScalarStep(
    String name, ScalarOp op, DType dtype, List<String> operands, List<DType> operandTypes) {
  public ScalarStep {
    operands = List.copyOf(operands);
    operandTypes = List.copyOf(operandTypes);
    if (operands.size() != op.arity() || operandTypes.size() != op.arity()) {
      throw new IllegalArgumentException(
          op + " takes " + op.arity() + " operands, got " + operands + " of " + operandTypes);
    }
  }
}
