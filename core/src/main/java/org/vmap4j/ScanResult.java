package org.vmap4j;

/**
 * The result of {@link Func#scan}: the final carry, and every step's {@code y} stacked along a new
 * leading dimension of length {@code length} ({@code ys} has the structure of one {@code y}; null
 * when the steps return none).
 */
public record ScanResult<C, Y>(C carry, Y ys) {}
