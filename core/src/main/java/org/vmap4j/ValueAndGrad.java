package org.vmap4j;

/** The result of {@link Func#valueAndGrad}: the scalar value and the gradient. */
public record ValueAndGrad<A>(Tensor value, A grad) {}
