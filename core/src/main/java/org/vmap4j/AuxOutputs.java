package org.vmap4j;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * How the has_aux transforms ({@code vjpWithAux}, {@code jacrevWithAux}, {@code jacfwdWithAux})
 * pass a {@link WithAux} through differentiation: as the pytree {@code [value, [aux]]} (the aux
 * wrapped so that a null aux is still a node), whose aux part receives a zero cotangent.
 */
final class AuxOutputs {
  private AuxOutputs() {}

  static Object pack(WithAux<?> result) {
    if (result == null) {
      throw new IllegalArgumentException(
          "a function differentiated with aux must return a WithAux(value, aux), but it returned"
              + " null");
    }
    return Arrays.asList(result.value(), Collections.singletonList(result.aux()));
  }

  static Object value(Object packed) {
    return ((List<?>) packed).get(0);
  }

  static Object aux(Object packed) {
    return ((List<?>) ((List<?>) packed).get(1)).get(0);
  }

  /** The cotangent of a packed result: {@code ct} for the value, zeros for the aux. */
  static Object cotangent(Tensor ct, Object packed) {
    Object zeroAux = Tree.map(aux(packed), t -> Tensor.zeros(t.dtype(), t.shape()));
    return Arrays.asList(ct, Collections.singletonList(zeroAux));
  }
}
