package org.vmap4j.spark;

import java.io.Serializable;
import org.vmap4j.Fn3;

/**
 * An {@link Fn3} that Java serialization can ship to executors; see {@link SerializableFunction}.
 */
@FunctionalInterface
public interface SerializableFn3<A, B, C, R> extends Fn3<A, B, C, R>, Serializable {}
