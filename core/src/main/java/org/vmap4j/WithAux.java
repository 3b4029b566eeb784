package org.vmap4j;

/**
 * What a function differentiated with an auxiliary output returns: the tensor to differentiate (a
 * scalar for {@link Func#gradWithAux}; any shape for {@link Func#vjpWithAux}, {@link
 * Func#jacrevWithAux} and {@link Func#jacfwdWithAux}) and anything else to pass through untouched
 * (a pytree, e.g. predictions).
 */
public record WithAux<X>(Tensor value, X aux) {}
