package org.vmap4j.kernel;

import java.util.Arrays;
import java.util.List;

/**
 * How one kernel input is read at each point of the iteration space: the input is a row-major array
 * of {@code shape}; the element read at point {@code c} is at {@code offset + sum_d c[d] *
 * strides[d] + sum_l stride_l * index_l(c)} with one term per {@link IndexLoad}. A stride 0 reads
 * the same element along that dimension (a broadcast); a permutation of the contiguous strides is a
 * transpose; an index load is a gather. Renderers take all of this from the view, so a primitive
 * that moves elements by computed positions states its positions here once, instead of each backend
 * recomputing them.
 *
 * <p>{@link #CONTIGUOUS} (strides null) is the common case: the input is a row-major array of the
 * kernel's iteration shape, read at the point's flat index.
 *
 * <p>A view with a {@link Mask} reads its input only at the points the mask holds, with the strides
 * applied to the position inside the mask; elsewhere it reads the mask's fill value or another
 * input (a pad, a concatenation's operands). Its index loads, if any, add their terms there too,
 * each index input read at the same point through its own view; an index input read through a
 * masked view whose mask covers the same points is thus read at the position inside the mask as
 * well (a pad of a gather). Not every renderer takes index loads under a mask: each says so in its
 * {@code unsupported} answer.
 *
 * @param shape the input array's shape (null for {@link #CONTIGUOUS})
 * @param strides elements per step along each dimension of the iteration space
 * @param offset the element read at the origin, before index loads
 * @param indexLoads gather-like terms of the offset, in order
 * @param mask where the view is read, or null for every point
 */
public record View(int[] shape, int[] strides, int offset, List<IndexLoad> indexLoads, Mask mask) {
  /** A row-major array of the kernel's iteration shape, read at each point's flat index. */
  public static final View CONTIGUOUS = new View(null, null, 0, List.of());

  /** A view read at every point of the iteration space. */
  public View(int[] shape, int[] strides, int offset, List<IndexLoad> indexLoads) {
    this(shape, strides, offset, indexLoads, null);
  }

  public View {
    shape = shape == null ? null : shape.clone();
    strides = strides == null ? null : strides.clone();
    indexLoads = List.copyOf(indexLoads);
    if ((shape == null) != (strides == null)) {
      throw new IllegalArgumentException("a view has both a shape and strides, or neither");
    }
    if (strides == null && (offset != 0 || !indexLoads.isEmpty())) {
      throw new IllegalArgumentException("a contiguous view has no offset and no index loads");
    }
    if (mask != null && strides == null) {
      throw new IllegalArgumentException("a masked view has strides");
    }
    if (mask != null && mask.low().length != strides.length) {
      throw new IllegalArgumentException(
          "the mask " + mask + " has another rank than the strides " + Arrays.toString(strides));
    }
  }

  /**
   * A strided read of an array of {@code shape} at the points {@code mask} holds ({@code strides}
   * apply to the position inside the mask).
   */
  public static View masked(int[] shape, int[] strides, int offset, Mask mask) {
    return new View(shape, strides, offset, List.of(), java.util.Objects.requireNonNull(mask));
  }

  /** A strided read of an array of {@code shape}. */
  public static View strided(int[] shape, int[] strides, int offset) {
    return new View(shape, strides, offset, List.of());
  }

  /** Whether this is {@link #CONTIGUOUS}. */
  public boolean isContiguous() {
    return strides == null;
  }

  /** The number of elements of the viewed array ({@code -1} for {@link #CONTIGUOUS}). */
  public long sourceSize() {
    if (shape == null) {
      return -1;
    }
    long n = 1;
    for (int d : shape) {
      n *= d;
    }
    return n;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof View v
        && Arrays.equals(shape, v.shape)
        && Arrays.equals(strides, v.strides)
        && offset == v.offset
        && indexLoads.equals(v.indexLoads)
        && java.util.Objects.equals(mask, v.mask);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(strides) * 31
        + Arrays.hashCode(shape)
        + offset
        + indexLoads.hashCode()
        + java.util.Objects.hashCode(mask);
  }

  @Override
  public String toString() {
    return isContiguous()
        ? "contiguous"
        : "view(shape="
            + Arrays.toString(shape)
            + ", strides="
            + Arrays.toString(strides)
            + ", offset="
            + offset
            + (indexLoads.isEmpty() ? "" : ", " + indexLoads)
            + (mask == null ? "" : ", " + mask)
            + ")";
  }
}
