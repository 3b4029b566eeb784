package org.vmap4j.arrow;

import java.util.Arrays;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.complex.ListVector;
import org.vmap4j.Tensor;
import org.vmap4j.backend.HostArrays;

/**
 * Tensor to Arrow column: one bulk copy of the tensor's row-major elements into the element
 * vector's data buffer, plus validity bitmaps set a byte at a time (the written columns hold no
 * nulls). A target whose buffers are already large enough is reused, not reallocated.
 */
final class ColumnWriter {
  private ColumnWriter() {}

  static FieldVector create(String name, Tensor tensor, ColumnLayout layout, BufferAllocator a) {
    if (tensor.ndim() == 0) {
      throw scalar(name);
    }
    int[] rowShape = Arrays.copyOfRange(tensor.shape(), 1, tensor.ndim());
    FieldVector vector = TensorFields.field(name, tensor.dtype(), rowShape, layout).createVector(a);
    try {
      writeInto(tensor, vector);
      return vector;
    } catch (RuntimeException | Error e) {
      vector.close();
      throw e;
    }
  }

  static void writeInto(Tensor tensor, FieldVector target) {
    ColumnStructure s = ColumnStructure.of(target);
    if (tensor.ndim() == 0) {
      throw scalar(s.column);
    }
    if (tensor.dtype() != s.dtype) {
      throw mismatch(s, tensor, "its dtype " + tensor.dtype() + " is not the column's " + s.dtype);
    }
    int rows = tensor.shape()[0];
    int[] rowShape = Arrays.copyOfRange(tensor.shape(), 1, tensor.ndim());
    switch (s.kind) {
      case PRIMITIVE -> {
        if (rowShape.length != 0) {
          throw mismatch(s, tensor, "a primitive column holds 1-D tensors");
        }
        writeLeaf(s, HostArrays.rowMajor(tensor), rows, target);
        target.setValueCount(rows);
      }
      case FIXED -> {
        if (!Arrays.equals(rowShape, s.logicalRowShape())) {
          throw mismatch(
              s, tensor, "its rows must have shape " + Arrays.toString(s.logicalRowShape()));
        }
        writeFixed(s, physical(s, tensor), rows, target);
      }
      case LIST -> {
        if (rowShape.length != 1) {
          throw mismatch(s, tensor, "a List column holds 2-D tensors [rows, d]");
        }
        writeList(s, HostArrays.rowMajor(tensor), rows, rowShape[0], target);
      }
    }
  }

  private static void writeFixed(ColumnStructure s, Object data, int rows, FieldVector target) {
    FixedSizeListVector top = s.levels.get(0);
    if (top.getValueCapacity() < rows) {
      top.clear();
      top.setInitialCapacity(rows);
      top.allocateNew();
    }
    int count = rows;
    for (FixedSizeListVector level : s.levels) {
      BulkCopy.setAllValid(level.getValidityBuffer(), count);
      count *= level.getListSize();
    }
    copyLeaf(s, data, count);
    // Sets the value counts of every level down to the leaf.
    target.setValueCount(rows);
  }

  private static void writeList(
      ColumnStructure s, Object data, int rows, int d, FieldVector target) {
    ListVector list = s.list;
    long total = (long) rows * d;
    if (total > Arrays2.MAX_ELEMENTS) {
      throw mismatch(s, null, "it has more elements than a List column can hold");
    }
    if (list.getValueCapacity() < rows
        || list.getOffsetBuffer().capacity() < (rows + 1L) * Integer.BYTES
        || list.getDataVector().getValueCapacity() < total) {
      list.clear();
      list.setInitialTotalCapacity(rows, (int) total);
      list.allocateNew();
    }
    BulkCopy.writeUniformOffsets(list.getOffsetBuffer(), rows, d);
    BulkCopy.setAllValid(list.getValidityBuffer(), rows);
    copyLeaf(s, data, (int) total);
    // setValueCount fills "holes" after the last set row with empty lists: mark all rows set.
    list.setLastSet(rows - 1);
    target.setValueCount(rows);
  }

  private static void writeLeaf(ColumnStructure s, Object data, int count, FieldVector leaf) {
    if (leaf.getValueCapacity() < count) {
      leaf.clear();
      leaf.setInitialCapacity(count);
      leaf.allocateNew();
    }
    copyLeaf(s, data, count);
  }

  private static void copyLeaf(ColumnStructure s, Object data, int count) {
    BulkCopy.write(data, count, s.dtype, s.leaf.getDataBuffer());
    BulkCopy.setAllValid(s.leaf.getValidityBuffer(), count);
  }

  /** The elements in the column's physical order: a fixed_shape_tensor permutation undone. */
  private static Object physical(ColumnStructure s, Tensor tensor) {
    if (s.permutation == null) {
      return HostArrays.rowMajor(tensor);
    }
    // The logical tensor is physical.permute(0, 1 + perm); the inverse permutation recovers it.
    int[] inverse = new int[s.permutation.length + 1];
    for (int i = 0; i < s.permutation.length; i++) {
      inverse[s.permutation[i] + 1] = i + 1;
    }
    return HostArrays.rowMajor(tensor.permute(inverse));
  }

  private static ArrowConversionException scalar(String column) {
    return new ArrowConversionException(
        column,
        "column '"
            + column
            + "' needs a tensor whose first dimension is the rows; got a scalar (shape [])");
  }

  private static ArrowConversionException mismatch(ColumnStructure s, Tensor t, String why) {
    return new ArrowConversionException(
        s.column,
        "cannot write "
            + (t == null
                ? "the tensor"
                : "a " + t.dtype() + " tensor of shape " + Arrays.toString(t.shape()))
            + " into column '"
            + s.column
            + "' of Arrow type "
            + s.arrowType
            + ": "
            + why);
  }
}
