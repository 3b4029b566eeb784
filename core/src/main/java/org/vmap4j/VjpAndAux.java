package org.vmap4j;

/**
 * The result of {@link Func#vjpWithAux}: the value and pullback of the differentiated output, and
 * the auxiliary output, passed through undifferentiated.
 */
public record VjpAndAux<A, X>(Vjp<A, Tensor> vjp, X aux) {
  /** The differentiated output. */
  public Tensor value() {
    return vjp.value();
  }

  /** The cotangent of the argument, given a cotangent of {@link #value()} (same shape). */
  public A pullback(Tensor cotangent) {
    return vjp.pullback(cotangent);
  }
}
