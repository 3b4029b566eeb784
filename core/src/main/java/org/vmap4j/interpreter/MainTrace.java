package org.vmap4j.interpreter;

import java.util.List;
import java.util.function.Function;
import org.vmap4j.DType;
import org.vmap4j.Tensor;

/**
 * An entry of the interpreter stack: the level and the kind of a transform in flight. Tracers
 * remember the {@code MainTrace} they belong to, so a value captured from an outer transform is
 * recognized as belonging to that outer level.
 */
public final class MainTrace {
  private final int level;
  private final String transformName;
  private final Function<MainTrace, Trace> traceFactory;
  private DType floatingInputs;

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

  /**
   * Records the floating dtype of the transform's inputs (the first floating leaf's; later calls
   * add to the first), so that an error inside it can suggest that dtype rather than a fixed one.
   */
  public void noteInputs(List<Tensor> leaves) {
    for (Tensor t : leaves) {
      if (floatingInputs == null && t.dtype().isFloating()) {
        floatingInputs = t.dtype();
      }
    }
  }

  /** The floating dtype of the transform's inputs, or null if none was floating or noted. */
  public DType floatingInputs() {
    return floatingInputs;
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
