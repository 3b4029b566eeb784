package org.vmap4j.cpu;

/**
 * A kernel description made ready to run on operands of fixed types: everything a renderer works
 * out from the description alone (validation, merged layouts, strides, the compiled loop) is done,
 * and {@link #run} does only what depends on the operands' arrays (their offsets and strides, the
 * index checks, the result's allocation, the loop). Immutable, so one instance serves every thread;
 * {@link PreparedKernels} keeps them for repeated eager calls.
 */
interface PreparedKernel {
  /** The kernel's result on {@code inputs}, one per kernel input, as a new row-major tensor. */
  CpuTensor run(CpuTensor[] inputs);
}
