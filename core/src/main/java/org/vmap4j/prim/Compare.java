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

/** Element-wise comparisons of two operands of equal shape and dtype; the result is BOOL. */
public enum Compare implements SingleResultPrimitive, ScalarPrimitive {
  LT(ScalarOp.LT),
  LE(ScalarOp.LE),
  GT(ScalarOp.GT),
  GE(ScalarOp.GE),
  EQ(ScalarOp.EQ),
  NE(ScalarOp.NE);

  private final ScalarOp op;

  Compare(ScalarOp op) {
    this.op = op;
  }

  @Override
  public ScalarOp scalarOp() {
    return op;
  }

  /** This comparison as a Java expression (the operands' dtype does not change it). */
  public String renderJava(String a, String b) {
    return JavaScalarOps.render(op, DType.BOOL, List.of(), List.of(a, b));
  }

  @Override
  public TensorType inferType(TensorType[] in, Params params) {
    Binary.requireArity(displayName(), in, 2);
    TensorType t = Elementwise.sameShapeAndType(displayName(), in);
    if (this != EQ && this != NE) {
      Elementwise.requireNumeric(displayName(), t.dtype());
    }
    return t.withDType(DType.BOOL);
  }

  @Override
  public CpuTensor evaluate(CpuTensor[] in, Params params, TensorType out) {
    return ElementwiseKernels.apply(renderJava("x0", "x1"), in, out);
  }

  @Override
  public Batched batch(Tensor[] args, int[] dims, Params params, int batchSize) {
    return BatchRules.elementwise(this, args, dims, params, batchSize);
  }

  /** BOOL results carry no derivatives. */
  @Override
  public Tensor jvp(Tensor[] primals, Tensor[] tangents, Tensor output, Params params) {
    return null;
  }

  @Override
  public Tensor[] vjp(Tensor[] primals, Tensor output, Tensor cotangent, Params params) {
    return new Tensor[primals.length];
  }
}
