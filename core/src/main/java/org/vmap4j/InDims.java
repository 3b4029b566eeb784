package org.vmap4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * Which dimension of each argument {@code vmap} maps over: one entry per argument, {@code null} for
 * an argument that is the same for every example. An entry applies to every leaf of its argument's
 * pytree; {@link #tree} gives per-leaf dimensions with nested {@code List}s (matched by position to
 * a List, an array or a record's components) and {@code Map}s (matched by key to a Map or by
 * component name to a record). Negative dimensions count from the end.
 */
public final class InDims {
  private final List<Object> specs;

  private InDims(List<Object> specs) {
    this.specs = Collections.unmodifiableList(specs);
  }

  /** {@code InDims.of(null, 0)}: the first argument unmapped, the second mapped at dimension 0. */
  public static InDims of(Integer... dims) {
    return new InDims(new ArrayList<>(Arrays.asList(dims)));
  }

  /** Per-argument specs that may be nested: Integer, null, List or Map (see the class comment). */
  public static InDims tree(Object... specs) {
    return new InDims(new ArrayList<>(Arrays.asList(specs)));
  }

  /** The spec of each argument. */
  public List<Object> specs() {
    return specs;
  }

  @Override
  public String toString() {
    return "InDims" + specs;
  }
}
