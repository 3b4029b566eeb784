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
  NEG(false, (t, x) -> "(-" + x + ")", (x, y, g) -> g.neg()),
  ABS(false, (t, x) -> "Math.abs(" + x + ")", (x, y, g) -> g.mul(x.sign())),
  SIGN(
      false,
      (t, x) ->
          switch (t) {
            case I32 -> "Integer.signum(" + x + ")";
            case I64 -> "(long) Long.signum(" + x + ")";
            default -> "Math.signum(" + x + ")";
          },
      (x, y, g) -> null),
  EXP(true, (t, x) -> Elementwise.math(t, "Math.exp(" + x + ")"), (x, y, g) -> g.mul(y)),
  LOG(true, (t, x) -> Elementwise.math(t, "Math.log(" + x + ")"), (x, y, g) -> g.div(x)),
  LOG1P(true, (t, x) -> Elementwise.math(t, "Math.log1p(" + x + ")"), (x, y, g) -> g.div(x.add(1))),
  EXPM1(true, (t, x) -> Elementwise.math(t, "Math.expm1(" + x + ")"), (x, y, g) -> g.mul(y.add(1))),
  SIN(true, (t, x) -> Elementwise.math(t, "Math.sin(" + x + ")"), (x, y, g) -> g.mul(x.cos())),
  COS(
      true,
      (t, x) -> Elementwise.math(t, "Math.cos(" + x + ")"),
      (x, y, g) -> g.mul(x.sin()).neg()),
  TANH(
      true,
      (t, x) -> Elementwise.math(t, "Math.tanh(" + x + ")"),
      (x, y, g) -> g.mul(y.square().neg().add(1))),
  LOGISTIC(
      true,
      (t, x) -> Elementwise.math(t, "1.0 / (1.0 + Math.exp(-" + x + "))"),
      (x, y, g) -> g.mul(y.mul(y.neg().add(1)))),
  SQRT(true, (t, x) -> Elementwise.math(t, "Math.sqrt(" + x + ")"), (x, y, g) -> g.div(y.mul(2))),
  RSQRT(
      true,
      (t, x) -> Elementwise.math(t, "1.0 / Math.sqrt(" + x + ")"),
      (x, y, g) -> g.mul(y.div(x)).mul(-0.5)),
  /** The error function (Java has none: {@link ErrorFunction}); d/dx = 2/sqrt(pi)·exp(-x²). */
  ERF(
      true,
      (t, x) -> Elementwise.math(t, "org.vmap4j.prim.ErrorFunction.erf(" + x + ")"),
      (x, y, g) -> g.mul(x.square().neg().exp().mul(2 / Math.sqrt(Math.PI))));

  private final boolean floatingOnly;
  private final BiFunction<DType, String, String> java;
  private final Chain chain;

  Unary(boolean floatingOnly, BiFunction<DType, String, String> java, Chain chain) {
    this.floatingOnly = floatingOnly;
    this.java = java;
    this.chain = chain;
  }

  /**
   * The derivative rule: {@code g * f'(x)}, given the operand x, the result y = f(x) and g (a
   * tangent or a cotangent: an element-wise function's Jacobian is diagonal, so forward and reverse
   * mode multiply by the same factor). Null when the derivative is zero everywhere.
   */
  @FunctionalInterface
  interface Chain {
    Tensor apply(Tensor x, Tensor y, Tensor g);
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

  @Override
  public Tensor jvp(Tensor[] primals, Tensor[] tangents, Tensor output, Params params) {
    return chain.apply(primals[0], output, tangents[0]);
  }

  @Override
  public Tensor[] vjp(Tensor[] primals, Tensor output, Tensor cotangent, Params params) {
    return new Tensor[] {chain.apply(primals[0], output, cotangent)};
  }
}
