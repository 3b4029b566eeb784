package org.vmap4j.internal;

/**
 * The argument of {@code Tensor}'s only constructor. This package is not exported by the module
 * {@code org.vmap4j.core}, so on the module path code outside core cannot name this type, and
 * therefore cannot write a constructor that calls {@code super(...)} on {@code Tensor}: the
 * compiler rejects the subclass. The two kinds of tensor core defines ({@code CpuTensor}, {@code
 * Tracer}) pass {@link #CORE}. On the class path every package is visible, so there the token only
 * says "internal"; docs/design.md, "Module boundaries", says what holds where.
 */
public final class SubclassToken {
  /** The one token; only core's own tensor kinds use it. */
  public static final SubclassToken CORE = new SubclassToken();

  private SubclassToken() {}

  /**
   * Checks a subclass's constructor call: the token must be {@link #CORE}, and when core runs as a
   * named module the subclass must belong to it (this catches {@code super(null)}, which names no
   * type and so compiles anywhere).
   */
  public static void check(SubclassToken token, Class<?> subclass, Class<?> sealedType) {
    Module core = sealedType.getModule();
    if (token != CORE || (core.isNamed() && subclass.getModule() != core)) {
      throw new IllegalStateException(
          subclass.getName()
              + " extends "
              + sealedType.getName()
              + ", which only vmap4j core may subclass: tensors come from the factories of"
              + " Tensor (Tensor.of, zeros, ...) and from operations on tensors");
    }
  }
}
