package org.vmap4j;

/**
 * A function of four arguments, for the transforms of {@link Func} ({@code vmap}, {@code grad},
 * {@code valueAndGrad}, {@code jit}, {@code trace}); the counterpart of Spark's {@code UDF4}.
 */
@FunctionalInterface
public interface Fn4<A, B, C, D, R> {
  R apply(A a, B b, C c, D d);
}
