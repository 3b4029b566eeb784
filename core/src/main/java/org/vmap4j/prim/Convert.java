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
 * Element type conversion, parameter {@code dtype}. Floating to integer truncates toward zero as a
 * Java cast does (NaN becomes 0); anything to BOOL is "not zero"; BOOL to a number is 0 or 1.
 */
public enum Convert implements SingleResultPrimitive, ScalarPrimitive {
  CONVERT;

  @Override
  public ScalarOp scalarOp() {
    return ScalarOp.CONVERT;
  }

  public static Params params(DType to) {
    return Params.of("dtype", to);
  }

  @Override
  public TensorType inferType(TensorType[] in, Params params) {
    Binary.requireArity("convert", in, 1);
    return in[0].withDType(params.dtype("dtype"));
  }

  /** The cast of {@code x} from {@code from} to {@code to} as a Java expression. */
  public static String renderJava(DType from, DType to, String x) {
    return JavaScalarOps.render(ScalarOp.CONVERT, to, List.of(from), List.of(x));
  }

  @Override
  public CpuTensor evaluate(CpuTensor[] in, Params params, TensorType out) {
    return ElementwiseKernels.apply(renderJava(in[0].dtype(), out.dtype(), "x0"), in, out);
  }

  @Override
  public Batched batch(Tensor[] args, int[] dims, Params params, int batchSize) {
    return BatchRules.elementwise(this, args, dims, params, batchSize);
  }

  /** Conversions between floating dtypes pass derivatives through; others carry none. */
  @Override
  public Tensor jvp(Tensor[] primals, Tensor[] tangents, Tensor output, Params params) {
    boolean floating = primals[0].dtype().isFloating() && output.dtype().isFloating();
    return floating ? tangents[0].astype(output.dtype()) : null;
  }

  @Override
  public Tensor[] vjp(Tensor[] primals, Tensor output, Tensor cotangent, Params params) {
    boolean floating = primals[0].dtype().isFloating() && output.dtype().isFloating();
    return new Tensor[] {floating ? cotangent.astype(primals[0].dtype()) : null};
  }
}
