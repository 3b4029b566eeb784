package org.vmap4j.interpreter;

import org.vmap4j.Tensor;
import org.vmap4j.TensorType;
import org.vmap4j.cpu.CpuTensor;

/** A primitive with exactly one result: the common case, with one-result versions of the rules. */
public interface SingleResultPrimitive extends Primitive {
  TensorType inferType(TensorType[] inputs, Params params);

  CpuTensor evaluate(CpuTensor[] inputs, Params params, TensorType outputType);

  /** {@link #jvp} for one result. */
  Tensor jvp(Tensor[] primals, Tensor[] tangents, Tensor output, Params params);

  /** {@link #vjp} for one result, whose cotangent is never null here. */
  Tensor[] vjp(Tensor[] primals, Tensor output, Tensor cotangent, Params params);

  @Override
  default Tensor[] jvp(Tensor[] primals, Tensor[] tangents, Tensor[] outputs, Params params) {
    return new Tensor[] {jvp(primals, tangents, outputs[0], params)};
  }

  @Override
  default Tensor[] vjp(Tensor[] primals, Tensor[] outputs, Tensor[] cotangents, Params params) {
    return vjp(primals, outputs[0], cotangents[0], params);
  }

  @Override
  default TensorType[] inferTypes(TensorType[] inputs, Params params) {
    return new TensorType[] {inferType(inputs, params)};
  }

  @Override
  default CpuTensor[] evaluate(CpuTensor[] inputs, Params params, TensorType[] outputTypes) {
    return new CpuTensor[] {evaluate(inputs, params, outputTypes[0])};
  }
}
