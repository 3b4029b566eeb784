package org.vmap4j;

/** The result of {@link Func#jvp}: the function's value and its directional derivative. */
public record Jvp<R>(R value, R tangent) {}
