package org.vmap4j.arrow;

import java.util.Arrays;
import org.vmap4j.Tensor;
import org.vmap4j.backend.HostArrays;

/**
 * Where a column read puts its values: a fresh Java array, or the array of a caller's tensor that
 * is reused batch after batch ({@link ArrowTensors#readInto}). Reusing skips what dominates reading
 * a large column into a fresh array: the JVM zeroing the new array and the first writes to its
 * memory.
 */
final class ReadTarget {
  /** Reads into fresh arrays. */
  static final ReadTarget FRESH = new ReadTarget(null);

  private final Tensor tensor;

  private ReadTarget(Tensor tensor) {
    this.tensor = tensor;
  }

  /** Reads into {@code tensor}'s own array; checked against the column by {@link #array}. */
  static ReadTarget reuse(Tensor tensor) {
    return new ReadTarget(tensor);
  }

  boolean isFresh() {
    return tensor == null;
  }

  /** The tensor being reused; only when not {@link #isFresh()}. */
  Tensor tensor() {
    return tensor;
  }

  /**
   * The array to copy the column's values into, in stored (physical) row-major order.
   *
   * @param physicalShape {@code [rows, ...]} in the order the column stores its values
   * @param dims the logical view: logical dimension i is physical dimension {@code dims[i]}, or
   *     null when the two coincide
   * @throws ArrowConversionException when the reused tensor is not a concrete tensor of the
   *     column's dtype and logical shape that owns its whole array in that order
   */
  Object array(ColumnStructure s, int[] physicalShape, int[] dims) {
    int size = Arrays.stream(physicalShape).reduce(1, Math::multiplyExact);
    if (tensor == null) {
      return Arrays2.allocate(s.dtype, size);
    }
    int[] physicalStrides = HostArrays.rowMajorStrides(physicalShape);
    int[] shape = physicalShape;
    int[] strides = physicalStrides;
    if (dims != null) {
      shape = new int[dims.length];
      strides = new int[dims.length];
      for (int i = 0; i < dims.length; i++) {
        shape[i] = physicalShape[dims[i]];
        strides[i] = physicalStrides[dims[i]];
      }
    }
    if (tensor.dtype() != s.dtype || !Arrays.equals(tensor.shape(), shape)) {
      throw unfit(
          s,
          "the column reads as "
              + s.dtype
              + " "
              + Arrays.toString(shape)
              + " but the target is "
              + tensor.dtype()
              + " "
              + Arrays.toString(tensor.shape()));
    }
    HostArrays.Layout own =
        HostArrays.layout(tensor)
            .orElseThrow(
                () ->
                    unfit(
                        s,
                        "the target is not a concrete tensor (a traced value inside a transform?)"));
    if (own.offset() != 0
        || own.arrayLength() != size
        || !sameLayout(own.strides(), strides, shape)) {
      throw unfit(
          s,
          "the target is a view (offset "
              + own.offset()
              + ", strides "
              + Arrays.toString(own.strides())
              + ", over an array of "
              + own.arrayLength()
              + " elements); it must own its whole array"
              + (dims == null
                  ? " in row-major order"
                  : " in the column's stored order, as the tensor that read returns does")
              + ", e.g. a tensor returned by read or readInto");
    }
    return own.array();
  }

  /** Strides matter only along dimensions of more than one element, and not at all when empty. */
  private static boolean sameLayout(int[] actual, int[] expected, int[] shape) {
    for (int d : shape) {
      if (d == 0) {
        return true;
      }
    }
    for (int i = 0; i < shape.length; i++) {
      if (shape[i] > 1 && actual[i] != expected[i]) {
        return false;
      }
    }
    return true;
  }

  private static ArrowConversionException unfit(ColumnStructure s, String why) {
    return new ArrowConversionException(
        s.column,
        "cannot read column '"
            + s.column
            + "' of Arrow type "
            + s.arrowType
            + " into the target: "
            + why);
  }
}
