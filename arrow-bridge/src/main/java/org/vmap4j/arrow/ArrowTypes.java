package org.vmap4j.arrow;

import java.util.List;
import java.util.stream.Collectors;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.ValueVector;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.vmap4j.DType;

/** The element types both sides share, and how Arrow types are named in error messages. */
final class ArrowTypes {
  static final String SUPPORTED =
      "supported are FloatingPoint(SINGLE|DOUBLE), Int(32|64, signed) and Bool columns,"
          + " FixedSizeList of those (nested for more dimensions), List of those, and "
          + FixedShapeTensorType.EXTENSION_NAME;

  private ArrowTypes() {}

  /** The Arrow type of a tensor element. */
  static ArrowType of(DType dtype) {
    return switch (dtype) {
      case F32 -> new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE);
      case F64 -> new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE);
      case I32 -> new ArrowType.Int(32, true);
      case I64 -> new ArrowType.Int(64, true);
      case BOOL -> ArrowType.Bool.INSTANCE;
    };
  }

  /** The dtype of a primitive vector whose buffer is a tensor's storage, or null for any other. */
  static DType dtypeOf(ValueVector vector) {
    if (vector instanceof Float4Vector) {
      return DType.F32;
    } else if (vector instanceof Float8Vector) {
      return DType.F64;
    } else if (vector instanceof IntVector) {
      return DType.I32;
    } else if (vector instanceof BigIntVector) {
      return DType.I64;
    } else if (vector instanceof BitVector) {
      return DType.BOOL;
    }
    return null;
  }

  /** A field's type with its children, e.g. {@code FixedSizeList(3)<FloatingPoint(SINGLE)>}. */
  static String describe(Field field) {
    String self = describe(field.getType());
    if (field.getDictionary() != null) {
      self = "Dictionary(" + field.getDictionary().getIndexType() + ")<" + self + ">";
    }
    List<Field> children = field.getChildren();
    if (children.isEmpty()) {
      return self;
    }
    return self
        + children.stream().map(ArrowTypes::describe).collect(Collectors.joining(", ", "<", ">"));
  }

  private static String describe(ArrowType type) {
    if (type instanceof ArrowType.ExtensionType ext) {
      return ext.extensionName() + ext.serialize();
    }
    return type.toString();
  }
}
