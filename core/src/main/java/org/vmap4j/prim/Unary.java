package org.vmap4j.prim;

import java.util.List;
import org.vmap4j.DType;
import org.vmap4j.Tensor;
import org.vmap4j.TensorType;
import org.vmap4j.cpu.CpuTensor;
import org.vmap4j.cpu.ElementwiseKernels;
import org.vmap4j.cpu.JavaScalarOps;
import org.vmap4j.interpreter.BatchRules;
import org.vmap4j.interpreter.Batched;
import org.vmap4j.interpreter.Params;
import org.vmap4j.interpreter.SingleResultPrimitive;
import org.vmap4j.kernel.ScalarOp;
import org.vmap4j.kernel.ScalarPrimitive;

/**
 * Element-wise primitives of one operand. Each entry is the one place for its rules: which dtypes
 * it accepts, which scalar operation computes it (rendered by each backend's table: {@link
 * JavaScalarOps} on the CPU) and its derivative.
 */
public enum Unary implements SingleResultPrimitive, ScalarPrimitive {
  NEG(false, ScalarOp.NEG, (x, y, g) -> g.neg()),
  ABS(false, ScalarOp.ABS, (x, y, g) -> g.mul(x.sign())),
  SIGN(false, ScalarOp.SIGN, (x, y, g) -> null),
  EXP(true, ScalarOp.EXP, (x, y, g) -> g.mul(y)),
  LOG(true, ScalarOp.LOG, (x, y, g) -> g.div(x)),
  LOG1P(true, ScalarOp.LOG1P, (x, y, g) -> g.div(x.add(1))),
  EXPM1(true, ScalarOp.EXPM1, (x, y, g) -> g.mul(y.add(1))),
  SIN(true, ScalarOp.SIN, (x, y, g) -> g.mul(x.cos())),
  COS(true, ScalarOp.COS, (x, y, g) -> g.mul(x.sin()).neg()),
  TANH(true, ScalarOp.TANH, (x, y, g) -> g.mul(y.square().neg().add(1))),
  LOGISTIC(true, ScalarOp.LOGISTIC, (x, y, g) -> g.mul(y.mul(y.neg().add(1)))),
  SQRT(true, ScalarOp.SQRT, (x, y, g) -> g.div(y.mul(2))),
  RSQRT(true, ScalarOp.RSQRT, (x, y, g) -> g.mul(y.div(x)).mul(-0.5)),
  /** The error function (Java has none: {@link ErrorFunction}); d/dx = 2/sqrt(pi)·exp(-x²). */
  ERF(true, ScalarOp.ERF, (x, y, g) -> g.mul(x.square().neg().exp().mul(2 / Math.sqrt(Math.PI))));

  private final boolean floatingOnly;
  private final ScalarOp op;
  private final Chain chain;

  Unary(boolean floatingOnly, ScalarOp op, Chain chain) {
    this.floatingOnly = floatingOnly;
    this.op = op;
    this.chain = chain;
  }

  @Override
  public ScalarOp scalarOp() {
    return op;
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
    return JavaScalarOps.render(op, t, List.of(t), List.of(operand));
  }

  @Override
  public TensorType inferType(TensorType[] in, Params params) {
    Binary.requireArity(displayName(), in, 1);
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
