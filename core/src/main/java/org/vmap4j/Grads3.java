package org.vmap4j;

/** Gradients with respect to all three arguments of an {@link Fn3} ({@link Func#gradAll(Fn3)}). */
public record Grads3<A, B, C>(A first, B second, C third) {}
