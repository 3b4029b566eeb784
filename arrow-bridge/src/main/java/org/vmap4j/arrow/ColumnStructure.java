package org.vmap4j.arrow;

import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.vector.ExtensionTypeVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.extension.InvalidExtensionMetadataException;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.vmap4j.DType;

/**
 * What a column vector is, seen as a tensor: its kind, the vectors on the way from the column to
 * its element ("leaf") vector, the element dtype and the per-row shape. Both directions use it, so
 * that reading and writing accept exactly the same types, and everything else fails here with the
 * column's name and full Arrow type.
 */
final class ColumnStructure {
  enum Kind {
    /** A primitive vector: shape {@code [rows]}. */
    PRIMITIVE,
    /** FixedSizeList levels (or a fixed_shape_tensor's storage) over a primitive leaf. */
    FIXED,
    /** A variable-length List over a primitive leaf: shape {@code [rows, d]} when not ragged. */
    LIST
  }

  final String column;
  final String arrowType;
  final Kind kind;

  /** FIXED: the FixedSizeList vectors, outermost first; otherwise empty. */
  final List<FixedSizeListVector> levels;

  /** LIST: the list vector; otherwise null. */
  final ListVector list;

  final FieldVector leaf;
  final DType dtype;

  /** The physical per-row shape; LIST: null, since the data decides it. */
  final int[] rowShape;

  /** fixed_shape_tensor's permutation (logical dim i is physical dim permutation[i]), or null. */
  final int[] permutation;

  private ColumnStructure(
      String column,
      String arrowType,
      Kind kind,
      List<FixedSizeListVector> levels,
      ListVector list,
      FieldVector leaf,
      DType dtype,
      int[] rowShape,
      int[] permutation) {
    this.column = column;
    this.arrowType = arrowType;
    this.kind = kind;
    this.levels = levels;
    this.list = list;
    this.leaf = leaf;
    this.dtype = dtype;
    this.rowShape = rowShape;
    this.permutation = permutation;
  }

  /** Elements per row (the product of the per-row shape); FIXED and PRIMITIVE only. */
  int rowSize() {
    int n = 1;
    for (int d : rowShape) {
      n *= d;
    }
    return n;
  }

  /** The per-row shape as the reader returns it: the physical one, permuted. */
  int[] logicalRowShape() {
    if (permutation == null) {
      return rowShape.clone();
    }
    int[] out = new int[rowShape.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = rowShape[permutation[i]];
    }
    return out;
  }

  UnsupportedColumnException unsupported(String reason) {
    return new UnsupportedColumnException(column, arrowType, reason);
  }

  static ColumnStructure of(FieldVector column) {
    String name = column.getName();
    String type = ArrowTypes.describe(column.getField());
    if (column.getField().getDictionary() != null) {
      throw new UnsupportedColumnException(
          name, type, "dictionary-encoded columns are not supported; decode them first");
    }
    FieldVector storage = column;
    FixedShapeTensorType tensorType = null;
    try {
      if (column instanceof ExtensionTypeVector<?> ext) {
        ArrowType.ExtensionType extType = (ArrowType.ExtensionType) column.getField().getType();
        if (!FixedShapeTensorType.EXTENSION_NAME.equals(extType.extensionName())) {
          throw new UnsupportedColumnException(
              name,
              type,
              "extension type "
                  + extType.extensionName()
                  + " is not a tensor; "
                  + ArrowTypes.SUPPORTED);
        }
        tensorType =
            extType instanceof FixedShapeTensorType t
                ? t
                : FixedShapeTensorType.fromMetadata(extType.serialize());
        storage = ext.getUnderlyingVector();
      } else {
        // An IPC reader that had not registered the type leaves the storage with its metadata.
        String extName =
            column
                .getField()
                .getMetadata()
                .get(ArrowType.ExtensionType.EXTENSION_METADATA_KEY_NAME);
        if (FixedShapeTensorType.EXTENSION_NAME.equals(extName)) {
          tensorType =
              FixedShapeTensorType.fromMetadata(
                  column
                      .getField()
                      .getMetadata()
                      .get(ArrowType.ExtensionType.EXTENSION_METADATA_KEY_METADATA));
        }
      }
    } catch (InvalidExtensionMetadataException e) {
      throw new UnsupportedColumnException(name, type, e.getMessage());
    }
    if (tensorType != null) {
      return tensor(name, type, storage, tensorType);
    }
    DType leafType = ArrowTypes.dtypeOf(storage);
    if (leafType != null) {
      return new ColumnStructure(
          name, type, Kind.PRIMITIVE, List.of(), null, storage, leafType, new int[0], null);
    }
    if (storage instanceof FixedSizeListVector) {
      List<FixedSizeListVector> levels = new ArrayList<>();
      List<Integer> dims = new ArrayList<>();
      FieldVector v = storage;
      while (v instanceof FixedSizeListVector fsl) {
        levels.add(fsl);
        dims.add(fsl.getListSize());
        v = fsl.getDataVector();
      }
      DType dtype = leafDType(name, type, v);
      int[] shape = dims.stream().mapToInt(Integer::intValue).toArray();
      checkRowSize(name, type, shape);
      return new ColumnStructure(
          name, type, Kind.FIXED, List.copyOf(levels), null, v, dtype, shape, null);
    }
    if (storage instanceof ListVector list) {
      FieldVector child = list.getDataVector();
      DType dtype = leafDType(name, type, child);
      return new ColumnStructure(name, type, Kind.LIST, List.of(), list, child, dtype, null, null);
    }
    throw new UnsupportedColumnException(name, type, ArrowTypes.SUPPORTED);
  }

  private static ColumnStructure tensor(
      String name, String type, FieldVector storage, FixedShapeTensorType tensorType) {
    if (!(storage instanceof FixedSizeListVector fsl)
        || fsl.getListSize() != tensorType.listSize()) {
      throw new UnsupportedColumnException(
          name,
          type,
          FixedShapeTensorType.EXTENSION_NAME
              + " needs storage FixedSizeList("
              + tensorType.listSize()
              + ") for shape "
              + java.util.Arrays.toString(tensorType.shape()));
    }
    DType dtype = leafDType(name, type, fsl.getDataVector());
    return new ColumnStructure(
        name,
        type,
        Kind.FIXED,
        List.of(fsl),
        null,
        fsl.getDataVector(),
        dtype,
        tensorType.shape(),
        tensorType.permutation().orElse(null));
  }

  private static DType leafDType(String name, String type, FieldVector leaf) {
    DType dtype = ArrowTypes.dtypeOf(leaf);
    if (dtype == null) {
      throw new UnsupportedColumnException(
          name,
          type,
          "the list elements are "
              + ArrowTypes.describe(leaf.getField())
              + ", which is not a tensor element type; "
              + ArrowTypes.SUPPORTED);
    }
    return dtype;
  }

  private static void checkRowSize(String name, String type, int[] shape) {
    long n = 1;
    for (int d : shape) {
      n *= d;
      if (n > Integer.MAX_VALUE) {
        throw new UnsupportedColumnException(
            name, type, "rows of shape " + java.util.Arrays.toString(shape) + " are too large");
      }
    }
  }
}
