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
import org.vmap4j.interpreter.Interpreters;
import org.vmap4j.interpreter.Params;
import org.vmap4j.interpreter.SingleResultPrimitive;
import org.vmap4j.interpreter.Tangents;
import org.vmap4j.kernel.ScalarOp;
import org.vmap4j.kernel.ScalarPrimitive;

/** {@code select(cond, a, b)}: {@code a} where the BOOL {@code cond} is true, else {@code b}. */
public enum Select implements SingleResultPrimitive, ScalarPrimitive {
  SELECT;

  @Override
  public ScalarOp scalarOp() {
    return ScalarOp.SELECT;
  }

  @Override
  public TensorType inferType(TensorType[] in, Params params) {
    Binary.requireArity("select", in, 3);
    if (in[0].dtype() != DType.BOOL) {
      throw new IllegalArgumentException("select: the condition must be bool, got " + in[0]);
    }
    Elementwise.sameShapeAndType("select", new TensorType[] {in[1], in[2]});
    if (!in[0].withDType(in[1].dtype()).equals(in[1])) {
      throw new IllegalArgumentException(
          "select: condition " + in[0] + " and values " + in[1] + " differ in shape");
    }
    return in[1];
  }

  @Override
  public CpuTensor evaluate(CpuTensor[] in, Params params, TensorType out) {
    DType t = out.dtype();
    String select =
        JavaScalarOps.render(
            ScalarOp.SELECT, t, List.of(DType.BOOL, t, t), List.of("x0", "x1", "x2"));
    return ElementwiseKernels.apply(select, in, out);
  }

  @Override
  public Batched batch(Tensor[] args, int[] dims, Params params, int batchSize) {
    return BatchRules.elementwise(this, args, dims, params, batchSize);
  }

  @Override
  public Tensor jvp(Tensor[] primals, Tensor[] tangents, Tensor output, Params params) {
    if (tangents[1] == null && tangents[2] == null) {
      return null;
    }
    Tensor a = Tangents.orZeros(tangents[1], primals[1]);
    Tensor b = Tangents.orZeros(tangents[2], primals[2]);
    return Interpreters.bind1(this, params, primals[0], a, b);
  }

  @Override
  public Tensor[] vjp(Tensor[] primals, Tensor output, Tensor cotangent, Params params) {
    Tensor zero = Tensor.zeros(cotangent.dtype(), cotangent.shape());
    return new Tensor[] {
      null,
      Interpreters.bind1(this, params, primals[0], cotangent, zero),
      Interpreters.bind1(this, params, primals[0], zero, cotangent)
    };
  }
}
