package org.vmap4j.spark;

import java.io.Serializable;
import java.util.function.BiFunction;

/**
 * A {@link BiFunction} that Java serialization can ship to executors; see {@link
 * SerializableFunction}.
 */
@FunctionalInterface
public interface SerializableBiFunction<A, B, R> extends BiFunction<A, B, R>, Serializable {}
