package org.vmap4j.prim;

import java.util.function.BiFunction;
import org.vmap4j.DType;
import org.vmap4j.Tensor;
import org.vmap4j.core.BatchRules;
import org.vmap4j.core.Batched;
import org.vmap4j.core.Params;
import org.vmap4j.core.SingleResultPrimitive;
import org.vmap4j.core.TensorType;
import org.vmap4j.cpu.CpuTensor;
import org.vmap4j.cpu.ElementwiseKernels;

/**
 * Element-wise primitives of one operand. Each entry is the one place for its operation: which
 * dtypes it accepts and how it is computed (a Java expression over {@code x0}, rendered per dtype
 * and compiled into a loop).
 */
public enum Unary implements SingleResultPrimitive {
  NEG(false, (t, x) -> "(-" + x + ")"),
  ABS(false, (t, x) -> "Math.abs(" + x + ")"),
  SIGN(
      false,
      (t, x) ->
          switch (t) {
            case I32 -> "Integer.signum(" + x + ")";
            case I64 -> "(long) Long.signum(" + x + ")";
            default -> "Math.signum(" + x + ")";
          }),
  EXP(true, (t, x) -> Elementwise.math(t, "Math.exp(" + x + ")")),
  LOG(true, (t, x) -> Elementwise.math(t, "Math.log(" + x + ")")),
  LOG1P(true, (t, x) -> Elementwise.math(t, "Math.log1p(" + x + ")")),
  EXPM1(true, (t, x) -> Elementwise.math(t, "Math.expm1(" + x + ")")),
  SIN(true, (t, x) -> Elementwise.math(t, "Math.sin(" + x + ")")),
  COS(true, (t, x) -> Elementwise.math(t, "Math.cos(" + x + ")")),
  TANH(true, (t, x) -> Elementwise.math(t, "Math.tanh(" + x + ")")),
  LOGISTIC(true, (t, x) -> Elementwise.math(t, "1.0 / (1.0 + Math.exp(-" + x + "))")),
  SQRT(true, (t, x) -> Elementwise.math(t, "Math.sqrt(" + x + ")")),
  RSQRT(true, (t, x) -> Elementwise.math(t, "1.0 / Math.sqrt(" + x + ")"));

  private final boolean floatingOnly;
  private final BiFunction<DType, String, String> java;

  Unary(boolean floatingOnly, BiFunction<DType, String, String> java) {
    this.floatingOnly = floatingOnly;
    this.java = java;
  }

  /** This operation as a Java expression of {@code operand}, for element type {@code t}. */
  public String renderJava(DType t, String operand) {
    return java.apply(t, operand);
  }

  @Override
  public TensorType inferType(TensorType[] in, Params params) {
    TensorType t = Elementwise.sameShapeAndType(displayName(), in);
    if (floatingOnly) {
      Elementwise.requireFloating(displayName(), t.dtype());
    } else {
      Elementwise.requireNumeric(displayName(), t.dtype());
    }
    return t;
  }

  @Override
  public CpuTensor evaluate(CpuTensor[] in, Params params, TensorType out) {
    return ElementwiseKernels.apply(renderJava(out.dtype(), "x0"), in, out);
  }

  @Override
  public Batched batch(Tensor[] args, int[] dims, Params params, int batchSize) {
    return BatchRules.elementwise(this, args, dims, params, batchSize);
  }
}
