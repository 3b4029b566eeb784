package org.vmap4j.arrow;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.util.hash.ArrowBufHasher;
import org.apache.arrow.vector.ExtensionTypeVector;
import org.apache.arrow.vector.ValueVector;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.util.CallBack;
import org.apache.arrow.vector.util.TransferPair;

/**
 * A column of {@link FixedShapeTensorType}: an extension vector over its {@code FixedSizeList}
 * storage. It owns buffers from the allocator it was created with; close it (or the {@code
 * VectorSchemaRoot} that holds it) to release them. Convert it with {@link ArrowTensors}.
 */
public final class FixedShapeTensorVector extends ExtensionTypeVector<FixedSizeListVector> {
  private final FieldType fieldType;

  /**
   * An empty vector; {@code fieldType}'s type must be a {@link FixedShapeTensorType}.
   *
   * @param name the column name
   * @param fieldType nullability, the extension type and metadata
   * @param allocator the allocator that will own this vector's buffers
   */
  public FixedShapeTensorVector(String name, FieldType fieldType, BufferAllocator allocator) {
    super(name, allocator, storageFor(name, fieldType, allocator));
    this.fieldType = fieldType;
  }

  private static FixedSizeListVector storageFor(
      String name, FieldType fieldType, BufferAllocator allocator) {
    if (!(fieldType.getType() instanceof FixedShapeTensorType type)) {
      throw new IllegalArgumentException(
          "a FixedShapeTensorVector needs a FixedShapeTensorType, got " + fieldType.getType());
    }
    return new FixedSizeListVector(
        name, allocator, new FieldType(fieldType.isNullable(), type.storageType(), null), null);
  }

  /** The tensor type of this column. */
  public FixedShapeTensorType tensorType() {
    return (FixedShapeTensorType) fieldType.getType();
  }

  /**
   * The extension field, with the storage's child field: the base class would report the bare
   * storage field and so lose the extension type from schemas built from this vector.
   */
  @Override
  public Field getField() {
    return new Field(getName(), fieldType, getUnderlyingVector().getField().getChildren());
  }

  /** The row's elements in physical row-major order, as a list; null for a null row. */
  @Override
  public Object getObject(int index) {
    return getUnderlyingVector().getObject(index);
  }

  @Override
  public int hashCode(int index) {
    return getUnderlyingVector().hashCode(index);
  }

  @Override
  public int hashCode(int index, ArrowBufHasher hasher) {
    return getUnderlyingVector().hashCode(index, hasher);
  }

  // Transfers keep the extension type: the base class transfers the bare storage vector, so a
  // sliced or transferred root would silently become a plain FixedSizeList.

  @Override
  public TransferPair getTransferPair(String ref, BufferAllocator allocator) {
    return makeTransferPair(new FixedShapeTensorVector(ref, fieldType, allocator));
  }

  @Override
  public TransferPair getTransferPair(String ref, BufferAllocator allocator, CallBack callBack) {
    return getTransferPair(ref, allocator);
  }

  @Override
  public TransferPair getTransferPair(Field field, BufferAllocator allocator) {
    return getTransferPair(field.getName(), allocator);
  }

  @Override
  public TransferPair getTransferPair(Field field, BufferAllocator allocator, CallBack callBack) {
    return getTransferPair(field.getName(), allocator);
  }

  @Override
  public TransferPair getTransferPair(BufferAllocator allocator) {
    return getTransferPair(getName(), allocator);
  }

  @Override
  public TransferPair makeTransferPair(ValueVector target) {
    FixedShapeTensorVector to = (FixedShapeTensorVector) target;
    // The storage pair creates the target's child vector itself.
    TransferPair storage = getUnderlyingVector().makeTransferPair(to.getUnderlyingVector());
    return new TransferPair() {
      @Override
      public void transfer() {
        storage.transfer();
      }

      @Override
      public void splitAndTransfer(int startIndex, int length) {
        storage.splitAndTransfer(startIndex, length);
      }

      @Override
      public ValueVector getTo() {
        return to;
      }

      @Override
      public void copyValueSafe(int from, int toIndex) {
        storage.copyValueSafe(from, toIndex);
      }
    };
  }
}
