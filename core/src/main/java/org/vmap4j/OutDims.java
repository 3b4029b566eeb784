package org.vmap4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * Where {@code vmap} puts the mapped dimension in the results. One entry applies to the whole
 * result (every leaf of its pytree); several entries match the result's top-level children (a List,
 * an array or a record's components) by position. Entries may nest like {@link InDims#tree}. {@code
 * null} returns a result that does not depend on the mapped inputs as it is, without a mapped
 * dimension. Negative dimensions count from the end of the result.
 */
public final class OutDims {
  private final List<Object> specs;

  private OutDims(List<Object> specs) {
    this.specs = Collections.unmodifiableList(specs);
  }

  public static OutDims of(Integer... dims) {
    return new OutDims(new ArrayList<>(Arrays.asList(dims)));
  }

  public static OutDims tree(Object... specs) {
    return new OutDims(new ArrayList<>(Arrays.asList(specs)));
  }

  /** The spec for the whole result: the single entry, or the list of entries. */
  public Object spec() {
    return specs.size() == 1 ? specs.get(0) : specs;
  }

  @Override
  public String toString() {
    return "OutDims" + specs;
  }
}
