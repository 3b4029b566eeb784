package org.vmap4j.kernel;

/**
 * A kernel that writes through an index: the result is a copy of input {@code base} (a row-major
 * array of the result's shape), into which every point of {@code values}' iteration space combines
 * its value (by {@code combine}: a sum for {@code scatter_add}) at the element {@code target} names
 * there. {@code target} is a view of the result: strides over the iteration space, an offset and
 * {@link IndexLoad}s, as a gather reads an input, whose index inputs are {@code values}' inputs
 * read through their own views and checked as a gather checks them. Several points may name one
 * element: their values all combine into it (in an order each backend chooses: a floating sum may
 * differ in the last bits between backends).
 *
 * @param values the value at each point (an element-wise kernel without a reduction)
 * @param base the input the result starts as
 * @param target where each point's value goes in the result
 * @param combine how a value combines with the element already there
 */
public record Scatter(KernelDescription values, int base, View target, Monoid combine) {
  public Scatter {
    if (values.reduce() != null) {
      throw new IllegalArgumentException(
          "a scatter writes the values of an element-wise kernel, got " + values.describe());
    }
    if (base < 0 || base >= values.inputTypes().size()) {
      throw new IllegalArgumentException(
          "the base of a scatter is one of its inputs, got x"
              + base
              + " of "
              + values.inputTypes());
    }
    if (target.isContiguous() || target.strides().length != values.shape().length) {
      throw new IllegalArgumentException(
          "a scatter's target has one stride per dimension of the values, got " + target);
    }
    if (target.mask() != null) {
      throw new IllegalArgumentException("a scatter's target has no mask, got " + target);
    }
    for (IndexLoad l : target.indexLoads()) {
      int i = l.input();
      if (i >= values.inputTypes().size()
          || !values.inputTypes().get(i).isInteger()
          || values.views().get(i).isContiguous()
          || !values.views().get(i).indexLoads().isEmpty()) {
        throw new IllegalArgumentException(
            "the target of a scatter loads indices from "
                + l
                + ": it must be an input of i32 or i64 read through a strided view");
      }
    }
  }
}
