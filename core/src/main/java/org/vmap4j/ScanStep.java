package org.vmap4j;

/**
 * What the step function of {@link Func#scan} returns: the next carry (same structure, dtypes and
 * shapes as the initial carry) and this step's output {@code y} (any pytree, or null for none).
 */
public record ScanStep<C, Y>(C carry, Y y) {}
