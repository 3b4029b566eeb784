package org.vmap4j;

/** Gradients with respect to all four arguments of an {@link Fn4} ({@link Func#gradAll(Fn4)}). */
public record Grads4<A, B, C, D>(A first, B second, C third, D fourth) {}
