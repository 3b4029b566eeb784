package org.vmap4j.spark;

import java.io.Serializable;
import java.util.function.Function;

/**
 * A {@link Function} that Java serialization can ship to executors. A lambda or method reference
 * written where this type is expected is serializable as long as everything it captures is; that is
 * how a per-example function written on the driver reaches the executors.
 */
@FunctionalInterface
public interface SerializableFunction<A, R> extends Function<A, R>, Serializable {}
