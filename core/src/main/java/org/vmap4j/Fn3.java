package org.vmap4j;

/**
 * A function of three arguments, for the transforms of {@link Func} ({@code vmap}, {@code grad},
 * {@code valueAndGrad}, {@code jit}, {@code trace}); the counterpart of Spark's {@code UDF3}.
 */
@FunctionalInterface
public interface Fn3<A, B, C, R> {
  R apply(A a, B b, C c);
}
