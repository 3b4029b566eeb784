package org.vmap4j.spark;

import java.io.Serializable;
import org.vmap4j.Fn4;

/**
 * An {@link Fn4} that Java serialization can ship to executors; see {@link SerializableFunction}.
 */
@FunctionalInterface
public interface SerializableFn4<A, B, C, D, R> extends Fn4<A, B, C, D, R>, Serializable {}
