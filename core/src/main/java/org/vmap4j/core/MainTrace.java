package org.vmap4j.core;

import java.util.function.Function;

/**
 * An entry of the interpreter stack: the level and the kind of a transform in flight. Tracers
 * remember the {@code MainTrace} they belong to, so a value captured from an outer transform is
 * recognized as belonging to that outer level.
 */
public final class MainTrace {
  private final int level;
  private final String transformName;
  private final Function<MainTrace, Trace> traceFactory;

  MainTrace(int level, String transformName, Function<MainTrace, Trace> traceFactory) {
    this.level = level;
    this.transformName = transformName;
    this.traceFactory = traceFactory;
  }

  public int level() {
    return level;
  }

  /** The user-facing name of the transform, e.g. {@code vmap}, for error messages. */
  public String transformName() {
    return transformName;
  }

  /** A fresh trace object of this main trace's kind. */
  public Trace newTrace() {
    return traceFactory.apply(this);
  }

  @Override
  public String toString() {
    return transformName + "@" + level;
  }
}
