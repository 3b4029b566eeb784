package org.vmap4j;

/**
 * The result of {@link Tensor#maxWithIndices} and {@link Tensor#minWithIndices}: the extreme values
 * along a dimension and the (I64) positions they were taken from. A pytree (a record of two
 * tensors), so it can be returned from a function under any transform.
 */
public record ValuesAndIndices(Tensor values, Tensor indices) {}
