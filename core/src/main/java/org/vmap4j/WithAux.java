package org.vmap4j;

/**
 * What a function differentiated by {@link Func#gradWithAux} returns: the scalar to differentiate
 * and anything else to pass through untouched (a pytree, e.g. predictions).
 */
public record WithAux<X>(Tensor value, X aux) {}
