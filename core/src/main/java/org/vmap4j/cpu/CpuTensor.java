package org.vmap4j.cpu;

import java.util.Arrays;
import org.vmap4j.DType;
import org.vmap4j.Tensor;
import org.vmap4j.TensorType;
import org.vmap4j.internal.SubclassToken;
import org.vmap4j.interpreter.Shapes;

/**
 * A concrete tensor in a Java array: a strided view (offset and per-dimension strides, in elements)
 * over a {@link Storage} array, so that transpose, broadcast and slicing are views and copy
 * nothing. Views share the array; tensors are never mutated after creation.
 */
public final class CpuTensor extends Tensor {
  private final TensorType type;
  private final int[] shape;
  private final Object data;
  private final int offset;
  private final int[] strides;

  private CpuTensor(TensorType type, Object data, int offset, int[] strides) {
    super(SubclassToken.CORE);
    this.type = type;
    this.shape = type.shape();
    this.data = data;
    this.offset = offset;
    this.strides = strides;
  }

  /** Wraps a row-major array (not copied) as a tensor of the given shape. */
  public static CpuTensor wrap(DType dtype, Object data, int... shape) {
    int n = Shapes.size(shape);
    if (Storage.length(data) != n) {
      throw new IllegalArgumentException(
          "data has "
              + Storage.length(data)
              + " elements but shape "
              + Shapes.str(shape)
              + " needs "
              + n);
    }
    return new CpuTensor(new TensorType(dtype, shape), data, 0, Shapes.contiguousStrides(shape));
  }

  /** A fresh, zero-filled, row-major tensor. */
  public static CpuTensor allocate(TensorType type) {
    return wrap(type.dtype(), Storage.allocate(type.dtype(), type.size()), type.shape());
  }

  /**
   * A row-major tensor whose every element the caller writes before any is read: a recycled array
   * of the active buffer pool is not zero-filled ({@link Storage#allocateForOverwrite}).
   */
  public static CpuTensor allocateForOverwrite(TensorType type) {
    return wrap(
        type.dtype(), Storage.allocateForOverwrite(type.dtype(), type.size()), type.shape());
  }

  /** A view of the same array with another shape, strides and offset. */
  public CpuTensor view(int[] newShape, int[] newStrides, int newOffset) {
    return new CpuTensor(new TensorType(type.dtype(), newShape), data, newOffset, newStrides);
  }

  /** A view with the dimensions reordered: result dimension i is this tensor's {@code perm[i]}. */
  public CpuTensor permuteView(int[] perm) {
    return view(Shapes.select(shape, perm), Shapes.select(strides, perm), offset);
  }

  @Override
  public TensorType type() {
    return type;
  }

  @Override
  protected CpuTensor concrete(String what) {
    return this;
  }

  /** The backing array: may be larger than the tensor (a view) and is shared; never mutate it. */
  public Object data() {
    return data;
  }

  public int offset() {
    return offset;
  }

  /** The shape without copying; callers must not modify it. */
  int[] shapeArray() {
    return shape;
  }

  public int[] strides() {
    return strides.clone();
  }

  /** Row-major with no gaps (the offset may be non-zero). */
  public boolean isContiguous() {
    return Arrays.equals(
        Strided.coalesce(shape, new int[][] {strides}).strides()[0],
        Strided.coalesce(shape, new int[][] {Shapes.contiguousStrides(shape)}).strides()[0]);
  }

  /** This tensor, or a row-major copy of it when it is a non-contiguous view. */
  public CpuTensor contiguous() {
    // row-major strides, the common case, are tested directly: isContiguous() merges dimensions,
    // which costs more than a small eager gather or pad (the kernel renderers call this per call)
    if (Arrays.equals(strides, Shapes.contiguousStrides(shape))) {
      return this;
    }
    if (isContiguous()) {
      return offset == 0 && Storage.length(data) == type.size()
          ? this
          : view(shape, Shapes.contiguousStrides(shape), offset);
    }
    CpuTensor out = allocateForOverwrite(type); // the copy writes every element
    Strided.copy(this, out.data, 0, out.strides);
    return out;
  }

  /**
   * A row-major array holding exactly this tensor's elements: the backing array itself when the
   * tensor is a whole contiguous array, else a copy.
   */
  public Object contiguousData() {
    CpuTensor c = contiguous();
    if (c.offset == 0 && Storage.length(c.data) == type.size()) {
      return c.data;
    }
    Object out = Storage.allocate(type.dtype(), type.size());
    System.arraycopy(c.data, c.offset, out, 0, type.size());
    return out;
  }

  /**
   * Writes this tensor's elements into the strided region ({@code offset}, {@code strides}, this
   * tensor's shape) of {@code destination}'s array. Only for a destination that its caller has just
   * allocated and not yet handed out: tensors are otherwise immutable.
   */
  public void copyInto(CpuTensor destination, int offset, int[] strides) {
    Strided.copy(this, destination.data, offset, strides);
  }

  /** Element at a row-major flat index, as a double; for printing and tests. */
  public double getDouble(int flatIndex) {
    return Storage.getDouble(data, storageIndex(flatIndex));
  }

  /** Element at a row-major flat index, as a long (exact for integer dtypes). */
  public long getLong(int flatIndex) {
    return Storage.getLong(data, storageIndex(flatIndex));
  }

  private int storageIndex(int flatIndex) {
    int pos = offset;
    for (int d = shape.length - 1; d >= 0; d--) {
      pos += (flatIndex % shape[d]) * strides[d];
      flatIndex /= shape[d];
    }
    return pos;
  }
}
