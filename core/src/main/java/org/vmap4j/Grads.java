package org.vmap4j;

/**
 * Derivatives with respect to both arguments of a two-argument function: gradients ({@link
 * Func#gradBoth}) or Jacobians ({@link Func#jacrevBoth}, {@link Func#jacfwdBoth}).
 */
public record Grads<A, B>(A first, B second) {}
