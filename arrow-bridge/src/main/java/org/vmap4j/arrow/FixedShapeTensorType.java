package org.vmap4j.arrow;

import java.util.Objects;
import java.util.Optional;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.extension.InvalidExtensionMetadataException;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.ExtensionTypeRegistry;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;

/**
 * Arrow's canonical extension type {@code arrow.fixed_shape_tensor}: every row is a tensor of the
 * same {@link #shape()}, stored row-major as a {@code FixedSizeList<value_type>[product(shape)]}.
 * Its parameters travel as JSON under the field metadata key {@code ARROW:extension:metadata}:
 * {@code shape}, and optionally {@code dim_names} and {@code permutation} (see {@link
 * FixedShapeTensorMetadata} for the exact form).
 *
 * <p>As in the specification, {@code shape} and {@code dim_names} describe the physical (stored)
 * layout; {@code permutation} gives the logical view: logical dimension {@code i} is physical
 * dimension {@code permutation[i]}. The value type is not part of this object: Arrow Java passes
 * only the storage's {@code FixedSizeList(n)} to {@link #deserialize}, so the value type is the
 * type of the storage's child field.
 *
 * <p>Call {@link #ensureRegistered()} before reading IPC data so that Arrow builds {@link
 * FixedShapeTensorVector}s for such fields; the readers of this package do so themselves.
 */
public final class FixedShapeTensorType extends ArrowType.ExtensionType {
  /** The canonical extension name. */
  public static final String EXTENSION_NAME = "arrow.fixed_shape_tensor";

  private final FixedShapeTensorMetadata metadata;

  /** A row-major tensor type of the given shape, without dim_names or permutation. */
  public FixedShapeTensorType(int... shape) {
    this(shape, null, null);
  }

  /**
   * A tensor type with optional names of the physical dimensions and an optional permutation.
   *
   * @throws IllegalArgumentException when a dimension is negative, {@code dimNames} does not have
   *     one name per dimension, or {@code permutation} is not a permutation of {@code 0..ndim-1}
   */
  public FixedShapeTensorType(int[] shape, java.util.List<String> dimNames, int[] permutation) {
    this(new FixedShapeTensorMetadata(shape, dimNames, permutation));
  }

  private FixedShapeTensorType(FixedShapeTensorMetadata metadata) {
    this.metadata = metadata;
  }

  /**
   * Registers this type with Arrow's {@link ExtensionTypeRegistry} unless a type of the same name
   * is already registered. Idempotent and thread-safe.
   */
  public static synchronized void ensureRegistered() {
    if (ExtensionTypeRegistry.lookup(EXTENSION_NAME) == null) {
      // The registry keeps one instance per name and calls deserialize on it as a factory.
      ExtensionTypeRegistry.register(new FixedShapeTensorType(new int[0]));
    }
  }

  /**
   * Parses the JSON of {@code ARROW:extension:metadata}.
   *
   * @throws InvalidExtensionMetadataException when it does not follow the specification
   */
  public static FixedShapeTensorType fromMetadata(String json) {
    return new FixedShapeTensorType(FixedShapeTensorMetadata.fromJson(json));
  }

  /**
   * A nullable field of this type whose storage holds {@code valueType} elements.
   *
   * @param name the column name
   * @param valueType the element type, e.g. {@code new ArrowType.FloatingPoint(SINGLE)}
   */
  public Field field(String name, ArrowType valueType) {
    return new Field(
        name,
        new FieldType(true, this, null),
        java.util.List.of(Field.nullable("item", valueType)));
  }

  /** The physical shape of each row's tensor (a copy). */
  public int[] shape() {
    return metadata.shape().clone();
  }

  /**
   * The shape of each row's tensor as the permutation presents it: {@code logical[i] =
   * shape[permutation[i]]}; the physical shape when there is no permutation.
   */
  public int[] logicalShape() {
    int[] shape = metadata.shape();
    int[] perm = metadata.permutation();
    if (perm == null) {
      return shape.clone();
    }
    int[] out = new int[shape.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = shape[perm[i]];
    }
    return out;
  }

  /** The names of the physical dimensions, if given. */
  public Optional<java.util.List<String>> dimNames() {
    return Optional.ofNullable(metadata.dimNames());
  }

  /** The permutation from logical to physical dimensions, if given (a copy). */
  public Optional<int[]> permutation() {
    return Optional.ofNullable(metadata.permutation()).map(int[]::clone);
  }

  /** Elements per row: the product of the shape, the storage's list size. */
  public int listSize() {
    return metadata.listSize();
  }

  @Override
  public ArrowType storageType() {
    return new ArrowType.FixedSizeList(listSize());
  }

  @Override
  public String extensionName() {
    return EXTENSION_NAME;
  }

  @Override
  public boolean extensionEquals(ArrowType.ExtensionType other) {
    return other instanceof FixedShapeTensorType t && metadata.equals(t.metadata);
  }

  /** The JSON metadata, exactly the keys the specification defines. */
  @Override
  public String serialize() {
    return metadata.toJson();
  }

  /**
   * Reads the metadata of a field whose storage is {@code storageType}.
   *
   * @throws InvalidExtensionMetadataException when the storage is not a FixedSizeList whose size is
   *     the product of the shape, or the JSON does not follow the specification
   */
  @Override
  public ArrowType deserialize(ArrowType storageType, String serializedData) {
    FixedShapeTensorType type = fromMetadata(serializedData);
    if (!(storageType instanceof ArrowType.FixedSizeList list)
        || list.getListSize() != type.listSize()) {
      throw new InvalidExtensionMetadataException(
          EXTENSION_NAME
              + " with metadata "
              + serializedData
              + " needs storage FixedSizeList("
              + type.listSize()
              + "), got "
              + storageType);
    }
    return type;
  }

  @Override
  public FieldVector getNewVector(String name, FieldType fieldType, BufferAllocator allocator) {
    return new FixedShapeTensorVector(name, fieldType, allocator);
  }

  @Override
  public boolean equals(Object obj) {
    return obj instanceof FixedShapeTensorType t && metadata.equals(t.metadata);
  }

  @Override
  public int hashCode() {
    return Objects.hash(EXTENSION_NAME, metadata);
  }

  @Override
  public String toString() {
    return EXTENSION_NAME + serialize();
  }
}
