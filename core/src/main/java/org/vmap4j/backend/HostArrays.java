package org.vmap4j.backend;

import java.util.Optional;
import org.vmap4j.DType;
import org.vmap4j.Tensor;
import org.vmap4j.cpu.CpuTensor;
import org.vmap4j.cpu.Storage;
import org.vmap4j.interpreter.Shapes;

/**
 * The seam through which modules that move tensor data between host Java arrays and somewhere else
 * (the Arrow bridge's column readers and writers) reach a concrete tensor's array, without
 * depending on the CPU backend's classes. Only this class knows that a concrete host tensor is a
 * {@code CpuTensor}; callers see arrays, offsets and strides.
 */
public final class HostArrays {
  private HostArrays() {}

  /**
   * Where a concrete host tensor's elements live.
   *
   * @param array the Java array ({@code float[]}, {@code double[]}, {@code int[]}, {@code long[]}
   *     or {@code boolean[]}) the tensor reads its elements from, possibly shared with other views
   * @param offset the index in {@code array} of the element at all-zero indices
   * @param strides per dimension, in elements
   */
  public record Layout(Object array, int offset, int[] strides) {
    /** The number of elements in {@link #array}, which may exceed the tensor's size for a view. */
    public int arrayLength() {
      return Storage.length(array);
    }
  }

  /**
   * The tensor's array and layout, or empty when the tensor is not a concrete host tensor (a traced
   * value inside a transform, or a tensor of another backend).
   */
  public static Optional<Layout> layout(Tensor tensor) {
    if (tensor instanceof CpuTensor cpu) {
      return Optional.of(new Layout(cpu.data(), cpu.offset(), cpu.strides()));
    }
    return Optional.empty();
  }

  /**
   * The tensor's elements in row-major order: a concrete tensor's own array when it is one whole
   * contiguous array (to be read only, never written), else a fresh copy. A traced tensor fails in
   * core with a message that names the transform.
   */
  public static Object rowMajor(Tensor tensor) {
    if (tensor instanceof CpuTensor cpu) {
      return cpu.contiguousData();
    }
    return switch (tensor.dtype()) {
      case F32 -> tensor.toFloatArray();
      case F64 -> tensor.toDoubleArray();
      case I32 -> tensor.toIntArray();
      case I64 -> tensor.toLongArray();
      case BOOL -> tensor.toBooleanArray();
    };
  }

  /** A host tensor over {@code array} (not copied: the caller hands it over), row-major. */
  public static Tensor wrap(DType dtype, Object array, int... shape) {
    return CpuTensor.wrap(dtype, array, shape);
  }

  /** The strides of a row-major array of {@code shape}, in elements. */
  public static int[] rowMajorStrides(int[] shape) {
    return Shapes.contiguousStrides(shape);
  }
}
