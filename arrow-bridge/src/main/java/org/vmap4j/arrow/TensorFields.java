package org.vmap4j.arrow;

import java.util.Arrays;
import java.util.List;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.vmap4j.DType;

/** The Arrow field a column of tensors is written as, for each {@link ColumnLayout}. */
final class TensorFields {
  /** The child name Arrow C++ and pyarrow give list elements. */
  static final String ITEM = "item";

  private TensorFields() {}

  /**
   * @param rowShape the shape of one row as the caller sees it (the logical shape)
   */
  static Field field(String name, DType dtype, int[] rowShape, ColumnLayout layout) {
    ArrowType element = ArrowTypes.of(dtype);
    return switch (layout.kind()) {
      case AUTOMATIC -> nested(name, element, rowShape);
      case LIST -> {
        if (rowShape.length != 1) {
          throw new ArrowConversionException(
              name,
              "column '"
                  + name
                  + "': the List layout holds rows of shape [d], not "
                  + Arrays.toString(rowShape));
        }
        yield new Field(
            name,
            FieldType.nullable(ArrowType.List.INSTANCE),
            List.of(Field.nullable(ITEM, element)));
      }
      case FIXED_SHAPE_TENSOR -> tensorType(name, rowShape, layout).field(name, element);
    };
  }

  /** A primitive field for rank 0 rows, else one FixedSizeList per dimension. */
  private static Field nested(String name, ArrowType element, int[] rowShape) {
    Field child = Field.nullable(rowShape.length == 0 ? name : ITEM, element);
    for (int k = rowShape.length - 1; k >= 0; k--) {
      child =
          new Field(
              k == 0 ? name : ITEM,
              FieldType.nullable(new ArrowType.FixedSizeList(rowShape[k])),
              List.of(child));
    }
    return child;
  }

  private static FixedShapeTensorType tensorType(
      String name, int[] logicalShape, ColumnLayout layout) {
    int[] perm = layout.permutation().orElse(null);
    int[] physical = logicalShape.clone();
    if (perm != null) {
      if (perm.length != logicalShape.length) {
        throw new ArrowConversionException(
            name,
            "column '"
                + name
                + "': permutation "
                + Arrays.toString(perm)
                + " does not match rows of shape "
                + Arrays.toString(logicalShape));
      }
      // logical[i] = physical[perm[i]]
      for (int i = 0; i < perm.length; i++) {
        if (perm[i] < 0 || perm[i] >= perm.length) {
          break; // the type's own validation names the problem
        }
        physical[perm[i]] = logicalShape[i];
      }
    }
    try {
      return new FixedShapeTensorType(physical, layout.dimNames().orElse(null), perm);
    } catch (IllegalArgumentException e) {
      throw new ArrowConversionException(name, "column '" + name + "': " + e.getMessage());
    }
  }
}
