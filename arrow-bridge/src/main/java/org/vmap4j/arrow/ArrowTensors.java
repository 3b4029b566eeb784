package org.vmap4j.arrow;

import java.util.Objects;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.types.pojo.Field;
import org.vmap4j.DType;
import org.vmap4j.Tensor;

/**
 * Converts single Arrow columns to tensors and back. See the module README for the full mapping.
 *
 * <table>
 *   <caption>Arrow column and tensor</caption>
 *   <tr><th>Arrow</th><th>tensor</th></tr>
 *   <tr><td>{@code Float4Vector}, {@code Float8Vector}, {@code IntVector}, {@code BigIntVector},
 *       {@code BitVector}</td><td>{@code [N]} of F32, F64, I32, I64, BOOL</td></tr>
 *   <tr><td>{@code FixedSizeList<e>[d1]}, nested {@code FixedSizeList<FixedSizeList<e>[d2]>[d1]}
 *       </td><td>{@code [N, d1]}, {@code [N, d1, d2]}</td></tr>
 *   <tr><td>{@code List<e>} with every row of length d</td><td>{@code [N, d]}</td></tr>
 *   <tr><td>{@code arrow.fixed_shape_tensor} of shape s (and permutation p)</td>
 *       <td>{@code [N, s...]} (permuted by p)</td></tr>
 * </table>
 *
 * <p>Reading copies the values once, in bulk, into a Java array owned by the tensor: the tensor
 * does not refer to Arrow memory and stays valid after the vector is closed. Writing allocates the
 * vector's buffers from the caller's allocator; the caller owns the returned vector and must close
 * it. Nulls are errors unless {@link ReadOptions#fillNulls(double)} is used; NaN and infinities
 * pass through unchanged.
 */
public final class ArrowTensors {
  static {
    FixedShapeTensorType.ensureRegistered();
  }

  private ArrowTensors() {}

  /**
   * The column as a tensor {@code [rows, ...]}, with nulls as errors.
   *
   * @throws NullValueException for a null, naming the column and row
   * @throws RaggedListException for a List column whose rows differ in length
   * @throws UnsupportedColumnException for an Arrow type that is not a tensor
   */
  public static Tensor toTensor(FieldVector column) {
    return read(column, ReadOptions.strict()).values();
  }

  /**
   * The column as a tensor, with nulls and non-finite values handled as {@code options} say; the
   * result carries a validity mask when nulls are filled.
   */
  public static ColumnTensor read(FieldVector column, ReadOptions options) {
    Objects.requireNonNull(column, "column");
    Objects.requireNonNull(options, "options");
    return ColumnReader.read(column, options, ReadTarget.FRESH);
  }

  /**
   * Reads the column into {@code target}'s own array and returns {@code target}, with nulls as
   * errors: the way to read batch after batch without a fresh array each time, as Spark reuses its
   * Arrow vectors. Pass the tensor an earlier {@link #toTensor} or {@link #read} returned for a
   * column of the same type and row count (or any tensor that owns its whole array in row-major
   * order, such as {@code Tensor.wrap(new float[n], shape)}).
   *
   * <p>This overwrites a tensor, which core otherwise treats as immutable: every tensor that shares
   * the target's array (views of it such as {@code reshape} or {@code permute} results) sees the
   * new values, so use it only for a tensor whose previous values are no longer needed. A failed
   * read leaves the target unchanged, except {@link NonFiniteValueException} and a fill value that
   * does not fit the dtype, which are found after the copy.
   *
   * @throws ArrowConversionException when the target does not fit: another dtype or shape than the
   *     column reads as, a view that does not own its whole array in the column's order, or a
   *     traced tensor
   */
  public static Tensor readInto(FieldVector column, Tensor target) {
    return readInto(column, target, ReadOptions.strict()).values();
  }

  /**
   * {@link #readInto(FieldVector, Tensor)} with nulls and non-finite values handled as {@code
   * options} say; the values are {@code target}, a validity mask (when nulls are filled) is a new
   * tensor.
   */
  public static ColumnTensor readInto(FieldVector column, Tensor target, ReadOptions options) {
    Objects.requireNonNull(column, "column");
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(options, "options");
    return ColumnReader.read(column, options, ReadTarget.reuse(target));
  }

  /**
   * A new vector named {@code name} holding {@code tensor}'s rows in the {@link
   * ColumnLayout#automatic()} layout. The caller owns the vector (its buffers come from {@code
   * allocator}) and must close it.
   */
  public static FieldVector toVector(String name, Tensor tensor, BufferAllocator allocator) {
    return toVector(name, tensor, ColumnLayout.automatic(), allocator);
  }

  /**
   * A new vector named {@code name} holding {@code tensor}'s rows (its first dimension) in the
   * given layout. The caller owns the vector and must close it.
   */
  public static FieldVector toVector(
      String name, Tensor tensor, ColumnLayout layout, BufferAllocator allocator) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(tensor, "tensor");
    Objects.requireNonNull(layout, "layout");
    Objects.requireNonNull(allocator, "allocator");
    return ColumnWriter.create(name, tensor, layout, allocator);
  }

  /**
   * Writes {@code tensor} into an existing vector of a matching type and sets its value count to
   * the tensor's rows. The vector's buffers are reused when they are large enough, else replaced by
   * buffers from the vector's own allocator; this is the way to convert batch after batch without
   * touching fresh memory each time.
   *
   * @throws ArrowConversionException when the dtype or per-row shape does not fit the vector's type
   */
  public static void writeInto(Tensor tensor, FieldVector target) {
    Objects.requireNonNull(tensor, "tensor");
    Objects.requireNonNull(target, "target");
    ColumnWriter.writeInto(tensor, target);
  }

  /**
   * The Arrow field that {@link #toVector(String, Tensor, ColumnLayout, BufferAllocator)} creates
   * for tensors of {@code dtype} whose rows have shape {@code rowShape}: for building a schema
   * before the data exists.
   */
  public static Field field(String name, DType dtype, int[] rowShape, ColumnLayout layout) {
    return TensorFields.field(name, dtype, rowShape.clone(), layout);
  }
}
