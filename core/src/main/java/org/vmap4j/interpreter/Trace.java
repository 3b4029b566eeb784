package org.vmap4j.interpreter;

import org.vmap4j.Tensor;

/**
 * One interpreter in flight (a vmap, a jvp, a staging trace, ...), at a level of the interpreter
 * stack. {@link Interpreters#bind} hands each primitive application to the highest-level trace
 * among its inputs; that trace applies its rule for the primitive and binds the result one level
 * down. Eager evaluation is the bottom of the stack and needs no Trace object.
 */
public abstract class Trace {
  private final MainTrace main;

  protected Trace(MainTrace main) {
    this.main = main;
  }

  public final MainTrace main() {
    return main;
  }

  public final int level() {
    return main.level();
  }

  /** Wraps a value from a lower level (a concrete tensor or a lower tracer) as this trace's own. */
  public abstract Tracer lift(Tensor value);

  /** Applies this interpreter's rule for {@code primitive} to inputs that are all its tracers. */
  public abstract Tensor[] process(Primitive primitive, Tracer[] inputs, Params params);

  /**
   * A chance to handle a random primitive none of whose operands is traced (see {@link
   * Primitive#isRandom()}); null leaves it to the levels below. {@code vmap} uses it to apply its
   * randomness mode.
   */
  public Tensor[] processRandom(Primitive primitive, Tensor[] inputs, Params params) {
    return null;
  }
}
