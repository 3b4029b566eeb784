package org.vmap4j.interpreter;

import org.vmap4j.Tensor;
import org.vmap4j.cpu.CpuTensor;
import org.vmap4j.internal.SubclassToken;

/**
 * A tensor that stands for a value inside a transform: its operations are recorded or transformed
 * by its {@link Trace} rather than computed. Asking it for Java values is an error that names the
 * transform, since the values do not exist while the function is being transformed.
 */
public abstract class Tracer extends Tensor {
  protected Tracer() {
    super(SubclassToken.CORE);
  }

  public abstract Trace trace();

  /**
   * The tracer itself, or the plain value it wraps when it carries nothing for its trace (a batched
   * value with no batch dimension, a JVP value with a zero tangent): keeps the stack shallow, as
   * autodidax's full_lower does.
   */
  public Tensor fullLower() {
    return this;
  }

  @Override
  protected CpuTensor concrete(String what) {
    throw new IllegalStateException(
        what
            + " needs the tensor's values, but inside "
            + trace().main().transformName()
            + " the tensor "
            + type()
            + " is traced and has no values yet. Use tensor operations instead of Java control"
            + " flow: Tensor.where(cond, a, b) for a choice per element.");
  }
}
