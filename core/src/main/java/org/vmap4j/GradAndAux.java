package org.vmap4j;

/** The result of {@link Func#gradWithAux}: the gradient and the auxiliary output. */
public record GradAndAux<A, X>(A grad, X aux) {}
