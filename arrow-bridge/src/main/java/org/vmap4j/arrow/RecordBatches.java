package org.vmap4j.arrow;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.vmap4j.Tensor;

/**
 * A record batch ({@link VectorSchemaRoot}) as a named set of tensors, in column order, and back.
 * Every tensor of a batch has the batch's row count as its first dimension.
 */
public final class RecordBatches {
  static {
    FixedShapeTensorType.ensureRegistered();
  }

  private RecordBatches() {}

  /** Every column as a tensor, in schema order, with nulls as errors. */
  public static Map<String, Tensor> toTensors(VectorSchemaRoot root) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    read(root, ReadOptions.strict()).forEach((name, column) -> out.put(name, column.values()));
    return out;
  }

  /** Every column read with {@code options}, in schema order. */
  public static Map<String, ColumnTensor> read(VectorSchemaRoot root, ReadOptions options) {
    return readInto(root, Map.of(), options);
  }

  /**
   * Every column as a tensor, in schema order, with nulls as errors; a column named in {@code
   * targets} is read into that tensor's array ({@link ArrowTensors#readInto(FieldVector, Tensor)},
   * whose rules apply), the others into fresh arrays. Pass the map an earlier call returned to read
   * batch after batch without fresh arrays.
   */
  public static Map<String, Tensor> readInto(VectorSchemaRoot root, Map<String, Tensor> targets) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    readInto(root, targets, ReadOptions.strict())
        .forEach((name, column) -> out.put(name, column.values()));
    return out;
  }

  /** {@link #readInto(VectorSchemaRoot, Map)} with {@code options}. */
  public static Map<String, ColumnTensor> readInto(
      VectorSchemaRoot root, Map<String, Tensor> targets, ReadOptions options) {
    Objects.requireNonNull(root, "root");
    Objects.requireNonNull(targets, "targets");
    Objects.requireNonNull(options, "options");
    Map<String, ColumnTensor> out = new LinkedHashMap<>();
    for (FieldVector vector : root.getFieldVectors()) {
      String name = vector.getName();
      if (out.containsKey(name)) {
        throw new ArrowConversionException(
            name, "the batch has two columns named '" + name + "'; names must be unique");
      }
      Tensor target = targets.get(name);
      out.put(
          name,
          target == null
              ? ArrowTensors.read(vector, options)
              : ArrowTensors.readInto(vector, target, options));
    }
    return out;
  }

  /**
   * A new root holding {@code columns} in the automatic layout. The caller owns the root (its
   * buffers come from {@code allocator}) and must close it.
   */
  public static VectorSchemaRoot toRoot(Map<String, Tensor> columns, BufferAllocator allocator) {
    return toRoot(columns, Map.of(), allocator);
  }

  /**
   * A new root holding {@code columns}; {@code layouts} gives the layout of some columns by name,
   * the others are automatic. The caller owns the root and must close it.
   */
  public static VectorSchemaRoot toRoot(
      Map<String, Tensor> columns, Map<String, ColumnLayout> layouts, BufferAllocator allocator) {
    VectorSchemaRoot root = VectorSchemaRoot.create(schema(columns, layouts), allocator);
    try {
      writeInto(columns, root);
      return root;
    } catch (RuntimeException | Error e) {
      root.close();
      throw e;
    }
  }

  /**
   * The schema {@link #toRoot(Map, Map, BufferAllocator)} builds for these tensors.
   *
   * @throws ArrowConversionException when the tensors do not share a row count, or one is a scalar
   */
  public static Schema schema(Map<String, Tensor> columns, Map<String, ColumnLayout> layouts) {
    Objects.requireNonNull(columns, "columns");
    Objects.requireNonNull(layouts, "layouts");
    rowCount(columns);
    for (String name : layouts.keySet()) {
      if (!columns.containsKey(name)) {
        throw new ArrowConversionException(
            name, "a layout names column '" + name + "', which is not among " + columns.keySet());
      }
    }
    List<Field> fields = new ArrayList<>();
    columns.forEach(
        (name, tensor) -> {
          int[] rowShape = Arrays.copyOfRange(tensor.shape(), 1, tensor.ndim());
          ColumnLayout layout = layouts.getOrDefault(name, ColumnLayout.automatic());
          fields.add(TensorFields.field(name, tensor.dtype(), rowShape, layout));
        });
    return new Schema(fields);
  }

  /**
   * Writes {@code columns} into an existing root whose columns have the same names, reusing its
   * buffers where they are large enough, and sets its row count.
   */
  public static void writeInto(Map<String, Tensor> columns, VectorSchemaRoot root) {
    int rows = rowCount(columns);
    List<FieldVector> vectors = root.getFieldVectors();
    for (FieldVector vector : vectors) {
      Tensor tensor = columns.get(vector.getName());
      if (tensor == null) {
        throw new ArrowConversionException(
            vector.getName(),
            "no tensor for column '" + vector.getName() + "' among " + columns.keySet());
      }
      ArrowTensors.writeInto(tensor, vector);
    }
    if (vectors.size() != columns.size()) {
      for (String name : columns.keySet()) {
        if (root.getVector(name) == null) {
          throw new ArrowConversionException(
              name, "the batch has no column '" + name + "'; its schema is " + root.getSchema());
        }
      }
    }
    root.setRowCount(rows);
  }

  /** The common first dimension of the tensors; 0 for no tensors. */
  static int rowCount(Map<String, Tensor> columns) {
    int rows = -1;
    String first = null;
    for (Map.Entry<String, Tensor> e : columns.entrySet()) {
      Tensor t = Objects.requireNonNull(e.getValue(), () -> "tensor for column " + e.getKey());
      if (t.ndim() == 0) {
        throw new ArrowConversionException(
            e.getKey(),
            "column '" + e.getKey() + "' is a scalar; a column's first dimension is its rows");
      }
      if (rows < 0) {
        rows = t.shape()[0];
        first = e.getKey();
      } else if (t.shape()[0] != rows) {
        throw new ArrowConversionException(
            e.getKey(),
            "column '"
                + e.getKey()
                + "' has "
                + t.shape()[0]
                + " rows (shape "
                + Arrays.toString(t.shape())
                + ") but column '"
                + first
                + "' has "
                + rows
                + "; a batch has one row count");
      }
    }
    return Math.max(rows, 0);
  }
}
