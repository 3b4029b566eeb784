package org.vmap4j;

/**
 * The result of {@link Func#jacrevWithAux} and {@link Func#jacfwdWithAux}: the Jacobian (the
 * argument's structure, each leaf of shape {@code value.shape ++ leaf.shape}) and the auxiliary
 * output, passed through undifferentiated.
 */
public record JacobianAndAux<A, X>(A jacobian, X aux) {}
