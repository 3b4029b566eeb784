package org.vmap4j;

/** Gradients with respect to both arguments of a two-argument function ({@link Func#gradBoth}). */
public record Grads<A, B>(A first, B second) {}
