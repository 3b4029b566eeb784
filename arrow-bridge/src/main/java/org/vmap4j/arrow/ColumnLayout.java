package org.vmap4j.arrow;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The Arrow type a tensor of shape {@code [rows, d1, ..., dk]} is written as.
 *
 * <ul>
 *   <li>{@link #automatic()}: a 1-D tensor becomes a primitive vector ({@code Float4Vector}, ...),
 *       any other a {@code FixedSizeList} nested once per trailing dimension.
 *   <li>{@link #list()}: a 2-D tensor becomes a variable-length {@code List} (what Spark's {@code
 *       ArrayType} is); every row has length {@code d1}.
 *   <li>{@link #fixedShapeTensor()}: Arrow's canonical {@code arrow.fixed_shape_tensor} extension
 *       type with shape {@code [d1, ..., dk]}, optionally with {@code dim_names} and a {@code
 *       permutation} ({@link #fixedShapeTensor(List, int[])}).
 * </ul>
 */
public final class ColumnLayout {
  /** The kinds of layout. */
  public enum Kind {
    AUTOMATIC,
    LIST,
    FIXED_SHAPE_TENSOR
  }

  private static final ColumnLayout AUTOMATIC = new ColumnLayout(Kind.AUTOMATIC, null, null);
  private static final ColumnLayout LIST = new ColumnLayout(Kind.LIST, null, null);
  private static final ColumnLayout TENSOR = new ColumnLayout(Kind.FIXED_SHAPE_TENSOR, null, null);

  private final Kind kind;
  private final List<String> dimNames;
  private final int[] permutation;

  private ColumnLayout(Kind kind, List<String> dimNames, int[] permutation) {
    this.kind = kind;
    this.dimNames = dimNames;
    this.permutation = permutation;
  }

  /** Primitive vector for 1-D tensors, nested {@code FixedSizeList} otherwise. */
  public static ColumnLayout automatic() {
    return AUTOMATIC;
  }

  /** A variable-length {@code List} of the element type; 2-D tensors only. */
  public static ColumnLayout list() {
    return LIST;
  }

  /** {@code arrow.fixed_shape_tensor} in row-major order, without dim_names or permutation. */
  public static ColumnLayout fixedShapeTensor() {
    return TENSOR;
  }

  /**
   * {@code arrow.fixed_shape_tensor} with optional metadata. As in the specification, {@code
   * dimNames} name the physical (stored) dimensions, and {@code permutation} says that the tensor
   * being written is the logical view: logical dimension {@code i} is physical dimension {@code
   * permutation[i]}. The writer stores the physical layout, so that a reader that applies the
   * permutation gets the written tensor back.
   *
   * @param dimNames names of the per-row dimensions, or null
   * @param permutation a permutation of {@code 0..k-1}, or null
   */
  public static ColumnLayout fixedShapeTensor(List<String> dimNames, int[] permutation) {
    return new ColumnLayout(
        Kind.FIXED_SHAPE_TENSOR,
        dimNames == null ? null : List.copyOf(dimNames),
        permutation == null ? null : permutation.clone());
  }

  /** Which layout. */
  public Kind kind() {
    return kind;
  }

  /** The dim_names of a fixed-shape-tensor layout, if given. */
  public Optional<List<String>> dimNames() {
    return Optional.ofNullable(dimNames);
  }

  /** The permutation of a fixed-shape-tensor layout, if given (a copy). */
  public Optional<int[]> permutation() {
    return Optional.ofNullable(permutation).map(int[]::clone);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ColumnLayout other
        && kind == other.kind
        && Objects.equals(dimNames, other.dimNames)
        && java.util.Arrays.equals(permutation, other.permutation);
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, dimNames, java.util.Arrays.hashCode(permutation));
  }

  @Override
  public String toString() {
    return kind
        + (dimNames == null ? "" : " dim_names=" + dimNames)
        + (permutation == null ? "" : " permutation=" + java.util.Arrays.toString(permutation));
  }
}
