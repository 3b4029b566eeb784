package org.vmap4j.spark.executor;

import java.util.Arrays;
import java.util.function.Supplier;
import org.apache.arrow.vector.BaseFixedWidthVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.spark.unsafe.Platform;
import org.vmap4j.DType;
import org.vmap4j.Tensor;
import org.vmap4j.arrow.ArrowTensors;

/**
 * The batch buffer of one input column, which {@link InputColumn#gather} writes rows into and which
 * then becomes the batch's {@code [n, ...]} tensor: an Arrow vector's data buffer (created by
 * arrow-bridge from the task's allocator, reused batch after batch, read out by {@link
 * ArrowTensors}), or with {@code arrow} off (and always for BOOL, which Arrow stores as bits) a
 * fresh Java array that the tensor wraps. Both are addressed as {@link #base} + {@link
 * #offset(int)}, so the column readers are the same either way.
 *
 * <p>One class for both consumers of batches, {@link PartitionProcessor} (the udf's columns) and
 * {@link ExampleBatchReader} (the DataFrame clipped sum), so a column reaches a kernel the same way
 * whichever asks.
 */
final class ColumnBuffer {
  private final InputColumn column;
  private final boolean inArrow;
  private FieldVector vector;
  private int capacity;

  /**
   * The previous Arrow batch's tensor, read into again when the next batch has as many rows: no
   * fresh (zeroed) array per batch. Safe because no consumer keeps a batch's input tensors once the
   * batch is done (the udf copies its outputs into Spark's arrays, views of inputs included; the
   * clipped sum keeps only the parameter-shaped sums).
   */
  private Tensor reused;

  private Object array;

  /** The buffer's base object for {@link Platform}'s accessors: the Java array, or null. */
  Object base;

  private long start;

  ColumnBuffer(InputColumn column, boolean arrow) {
    this.column = column;
    this.inArrow = arrow && column.dtype != DType.BOOL;
  }

  /**
   * Gets ready to receive up to {@code n} examples.
   *
   * @param memory the task's Arrow memory, asked for only when this column goes through Arrow
   */
  void reset(int n, Supplier<TaskArrowMemory> memory) {
    if (!inArrow) {
      // a batch too large for one array fails here, not as a negative array size
      int length = Math.multiplyExact(n, column.elements);
      array =
          switch (column.dtype) {
            case F32 -> new float[length];
            case F64 -> new double[length];
            case I32 -> new int[length];
            case I64 -> new long[length];
            case BOOL -> new boolean[length];
          };
      base = array;
      start =
          switch (column.dtype) {
            case F32 -> Platform.FLOAT_ARRAY_OFFSET;
            case F64 -> Platform.DOUBLE_ARRAY_OFFSET;
            case I32 -> Platform.INT_ARRAY_OFFSET;
            case I64 -> Platform.LONG_ARRAY_OFFSET;
            case BOOL -> Platform.BOOLEAN_ARRAY_OFFSET;
          };
      return;
    }
    if (vector == null || n > capacity) {
      TaskArrowMemory owner = memory.get();
      if (vector != null) {
        owner.release(vector);
      }
      // arrow-bridge builds the column (FixedSizeList<e>[d] nested per dimension, validity set)
      vector =
          owner.track(
              ArrowTensors.toVector(
                  column.name, Tensor.zeros(column.dtype, batchShape(n)), owner.allocator()));
      capacity = n;
    }
    vector.setValueCount(n);
    FieldVector leaf = vector;
    while (leaf instanceof FixedSizeListVector list) {
      leaf = (FieldVector) list.getDataVector();
    }
    base = null;
    start = ((BaseFixedWidthVector) leaf).getDataBuffer().memoryAddress();
  }

  /** Where example {@code i} starts, for {@link Platform}'s accessors with {@link #base}. */
  long offset(int i) {
    return start + i * column.rowBytes();
  }

  /**
   * The first {@code n} examples as a {@code [n, ...]} tensor; {@code n} may be fewer than {@link
   * #reset}'s (a partition's last batch).
   */
  Tensor tensor(int n) {
    if (inArrow) {
      vector.setValueCount(n);
      if (reused != null && reused.shape()[0] == n) {
        return ArrowTensors.readInto(vector, reused);
      }
      reused = ArrowTensors.toTensor(vector);
      return reused;
    }
    int length = n * column.elements;
    Object data = java.lang.reflect.Array.getLength(array) == length ? array : trimmed(length);
    Tensor t = Tensor.wrap(data, batchShape(n));
    array = null;
    base = null;
    return t;
  }

  private int[] batchShape(int n) {
    int[] shape = new int[column.shape.length + 1];
    shape[0] = n;
    System.arraycopy(column.shape, 0, shape, 1, column.shape.length);
    return shape;
  }

  private Object trimmed(int length) {
    return switch (column.dtype) {
      case F32 -> Arrays.copyOf((float[]) array, length);
      case F64 -> Arrays.copyOf((double[]) array, length);
      case I32 -> Arrays.copyOf((int[]) array, length);
      case I64 -> Arrays.copyOf((long[]) array, length);
      case BOOL -> Arrays.copyOf((boolean[]) array, length);
    };
  }
}
