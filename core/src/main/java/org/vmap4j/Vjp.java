package org.vmap4j;

import java.util.function.Function;
import org.vmap4j.transforms.Autodiff;

/**
 * The result of {@link Func#vjp}: the function's value and its pullback, which maps a cotangent of
 * the value (same structure and shapes) to the cotangent of the argument (the argument's
 * structure). The pullback can be called many times, and under {@code vmap}: {@code vmap(vjp(f,
 * x)::pullback).apply(Tensor.eye(n))} is the whole Jacobian in one call.
 */
public final class Vjp<A, R> {
  private final Object value;
  private final Function<Object, Object> pullback;

  Vjp(Autodiff.VjpOutcome outcome) {
    this(outcome.value(), outcome::pullback);
  }

  /** A value and its pullback (e.g. the differentiated part of a result with an aux output). */
  Vjp(Object value, Function<Object, Object> pullback) {
    this.value = value;
    this.pullback = pullback;
  }

  @SuppressWarnings("unchecked")
  public R value() {
    return (R) value;
  }

  @SuppressWarnings("unchecked")
  public A pullback(R cotangent) {
    return (A) pullback.apply(cotangent);
  }
}
