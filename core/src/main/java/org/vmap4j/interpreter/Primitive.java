package org.vmap4j.interpreter;

import org.vmap4j.Tensor;
import org.vmap4j.TensorType;
import org.vmap4j.cpu.CpuTensor;

/**
 * One operation of the closed primitive set. Each primitive is the one place that holds all of its
 * rules: the shape and dtype rule ({@link #inferTypes}) and the eager CPU implementation ({@link
 * #evaluate}) now; its batching, JVP and transpose rules and its lowering join it as the transforms
 * that need them arrive. Every user-facing operation on {@code Tensor} reaches a primitive through
 * {@link Interpreters#bind}.
 */
public interface Primitive {
  /**
   * The identifier, upper case, e.g. {@code DOT_GENERAL}; every primitive is an enum constant, so
   * this is its constant name and primitives can be found by name when a program is read back.
   */
  String name();

  /** The name in printed programs and error messages: {@link #name()} in lower case. */
  default String displayName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  /**
   * The shape and dtype rule. Throws {@link IllegalArgumentException} naming the operation and the
   * offending shapes or dtypes when the inputs are not valid.
   */
  TensorType[] inferTypes(TensorType[] inputs, Params params);

  /**
   * Eager implementation on the CPU. Inputs have already passed {@link #inferTypes}, whose result
   * is {@code outputTypes}.
   */
  CpuTensor[] evaluate(CpuTensor[] inputs, Params params, TensorType[] outputTypes);

  /**
   * The batching rule (used by {@code vmap}): computes this primitive for a whole batch of {@code
   * batchSize} examples at once. {@code dims[i]} is where operand i's batch dimension is, or {@link
   * BatchRules#NOT_MAPPED}. Rules are written with tensor operations, so they batch again under
   * nested vmap and differentiate under autodiff.
   */
  Batched batch(Tensor[] args, int[] dims, Params params, int batchSize);

  /**
   * The JVP rule (forward mode): the tangents of the results, given the primal operands, their
   * tangents (null for a zero tangent; at least one is non-null) and the primal results. Returns
   * null for a result whose tangent is zero (integer and BOOL results always).
   */
  Tensor[] jvp(Tensor[] primals, Tensor[] tangents, Tensor[] outputs, Params params);

  /**
   * The VJP rule (reverse mode): the cotangents of the operands, given the primal operands, the
   * primal results and the results' cotangents (null for zero; at least one is non-null). Returns
   * null for an operand that receives nothing (integer operands always).
   */
  Tensor[] vjp(Tensor[] primals, Tensor[] outputs, Tensor[] cotangents, Params params);

  /**
   * Whether this primitive draws random numbers; {@code vmap} intercepts such primitives even when
   * none of their operands is batched, to apply its randomness mode.
   */
  default boolean isRandom() {
    return false;
  }
}
