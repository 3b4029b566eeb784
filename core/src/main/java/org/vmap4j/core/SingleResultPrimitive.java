package org.vmap4j.core;

import org.vmap4j.cpu.CpuTensor;

/** A primitive with exactly one result: the common case, with one-result versions of the rules. */
public interface SingleResultPrimitive extends Primitive {
  TensorType inferType(TensorType[] inputs, Params params);

  CpuTensor evaluate(CpuTensor[] inputs, Params params, TensorType outputType);

  @Override
  default TensorType[] inferTypes(TensorType[] inputs, Params params) {
    return new TensorType[] {inferType(inputs, params)};
  }

  @Override
  default CpuTensor[] evaluate(CpuTensor[] inputs, Params params, TensorType[] outputTypes) {
    return new CpuTensor[] {evaluate(inputs, params, outputTypes[0])};
  }
}
