package org.vmap4j;

import org.vmap4j.transforms.Autodiff;

/**
 * The result of {@link Func#vjp}: the function's value and its pullback, which maps a cotangent of
 * the value (same structure and shapes) to the cotangent of the argument (the argument's
 * structure). The pullback can be called many times, and under {@code vmap}: {@code vmap(vjp(f,
 * x)::pullback).apply(Tensor.eye(n))} is the whole Jacobian in one call.
 */
public final class Vjp<A, R> {
  private final Autodiff.VjpOutcome outcome;

  Vjp(Autodiff.VjpOutcome outcome) {
    this.outcome = outcome;
  }

  @SuppressWarnings("unchecked")
  public R value() {
    return (R) outcome.value();
  }

  @SuppressWarnings("unchecked")
  public A pullback(R cotangent) {
    return (A) outcome.pullback(cotangent);
  }
}
