package org.vmap4j.nn;

import org.vmap4j.Tensor;

/** How a loss combines its per-element values, as PyTorch's {@code reduction} argument. */
public enum Reduction {
  /** The per-element losses, unreduced. */
  NONE,
  /** Their mean (PyTorch's default). */
  MEAN,
  /** Their sum. */
  SUM;

  /** PyTorch's spelling: "none", "mean" or "sum". */
  public static Reduction of(String name) {
    for (Reduction r : values()) {
      if (r.name().equalsIgnoreCase(name)) {
        return r;
      }
    }
    throw new IllegalArgumentException(
        "reduction must be \"none\", \"mean\" or \"sum\", found \"" + name + "\"");
  }

  Tensor apply(Tensor perElement) {
    return switch (this) {
      case NONE -> perElement;
      case MEAN -> perElement.mean();
      case SUM -> perElement.sum();
    };
  }
}
