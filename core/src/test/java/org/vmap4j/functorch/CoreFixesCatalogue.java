package org.vmap4j.functorch;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.vmap4j.DType;
import org.vmap4j.Tensor;

/**
 * The fixture functions of {@code generate_fixtures_core_fixes.py}, one line for each function of
 * its catalogue (printed in {@code core_fixes_cases.json}'s "catalogue").
 */
final class CoreFixesCatalogue {
  private CoreFixesCatalogue() {}

  static final Map<String, Function<List<Object>, Object>> FUNCTIONS = new HashMap<>();

  private static Tensor t(List<Object> a, int i) {
    return (Tensor) a.get(i);
  }

  private static Tensor powers(Tensor x) {
    return Tensor.arange(4).astype(x.dtype());
  }

  static {
    FUNCTIONS.put("pow0", a -> t(a, 0).pow(0.0));
    FUNCTIONS.put("poly", a -> t(a, 0).pow(powers(t(a, 0))));
    FUNCTIONS.put("poly_sum", a -> t(a, 0).pow(powers(t(a, 0))).sum());
    FUNCTIONS.put("pow_ab", a -> t(a, 0).pow(t(a, 1)));
    FUNCTIONS.put("max_all", a -> t(a, 0).max());
    FUNCTIONS.put("min_all", a -> t(a, 0).min());
    FUNCTIONS.put("max_dim1", a -> t(a, 0).max(1));
    FUNCTIONS.put("min_dim1_sum", a -> t(a, 0).min(1).sum());
    FUNCTIONS.put("sq_as_f64", a -> t(a, 0).astype(DType.F64).pow(2.0));
    FUNCTIONS.put("sum_sq_as_f64", a -> t(a, 0).astype(DType.F64).pow(2.0).sum());
  }
}
