package org.vmap4j.ir;

import org.vmap4j.TensorType;

/** A variable of a {@link Program}: assigned once, with a dtype and shape. Compared by identity. */
public final class Var {
  private final TensorType type;

  public Var(TensorType type) {
    this.type = type;
  }

  public TensorType type() {
    return type;
  }

  @Override
  public String toString() {
    return "Var(" + type + ")@" + Integer.toHexString(System.identityHashCode(this));
  }
}
