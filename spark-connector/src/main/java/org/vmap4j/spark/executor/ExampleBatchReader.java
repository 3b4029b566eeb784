package org.vmap4j.spark.executor;

import java.io.Serializable;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.unsafe.Platform;
import org.vmap4j.Tensor;
import org.vmap4j.spark.BadInputException;

/**
 * A partition's {@link InternalRow}s read into batches of example tensors by the same column
 * readers {@link org.vmap4j.spark.VmapUdf}'s executors use ({@link InputColumn#gather}): the
 * columns resolved on the driver by the udf (numeric and boolean scalars, flat and nested arrays,
 * MLlib vectors dense or sparse, declared shapes and reshapes, shapes from column metadata or the
 * first row), and the same {@link BadInputException} for a row that is not an example of its
 * column's shape. For consumers that reduce over the rows instead of writing a value back to each
 * (the DataFrame clipped gradient sum): one column gives the {@code [n, ...]} tensor, several a
 * {@code Map<String, Tensor>} by column name, as the udf binds them.
 */
public final class ExampleBatchReader implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String transform;
  private final InputColumn[] inputs;
  private final boolean rejectNonFinite;
  private final String keyName;
  private final int keyOrdinal;
  private final DataType keyType;

  /**
   * @param inputs the udf's resolved columns, at their ordinals in the rows this reads
   * @param keyOrdinal the key column's position in those rows (-1: none), quoted by errors
   */
  public ExampleBatchReader(
      String transform,
      InputColumn[] inputs,
      boolean rejectNonFinite,
      String keyName,
      int keyOrdinal,
      DataType keyType) {
    this.transform = transform;
    this.inputs = inputs.clone();
    this.rejectNonFinite = rejectNonFinite;
    this.keyName = keyName;
    this.keyOrdinal = keyOrdinal;
    this.keyType = keyType;
  }

  /** One batch being filled: a Java array per column, {@code capacity} examples long. */
  public final class Batch {
    private final Object[] arrays = new Object[inputs.length];
    private final int capacity;
    private int size;

    private Batch(int capacity) {
      this.capacity = capacity;
      for (int c = 0; c < inputs.length; c++) {
        arrays[c] = newArray(inputs[c], capacity);
      }
    }

    public boolean isFull() {
      return size == capacity;
    }

    public int size() {
      return size;
    }

    /**
     * Copies one row's values in (the row is not kept: Spark may reuse it).
     *
     * @throws BadInputException naming the column, partition, row, expected shape and the fix
     */
    public void add(InternalRow row, int partition, long rowInPartition) {
      for (int c = 0; c < inputs.length; c++) {
        InputColumn column = inputs[c];
        long at = arrayOffset(arrays[c]) + size * column.rowBytes();
        String problem = column.gather(row, arrays[c], at);
        if (problem == null && rejectNonFinite && column.dtype.isFloating()) {
          problem = column.nonFinite(arrays[c], at);
        }
        if (problem != null) {
          throw new BadInputException(
              column.name,
              partition,
              rowInPartition,
              column.shape,
              column.describe(),
              problem
                  + " ("
                  + transform
                  + " reads every row: filter out or repair this row, or declare the column's"
                  + " per-example shape with configure(u -> u.shape(\""
                  + column.name
                  + "\", dims...)) if that is what is wrong)",
              key(row));
        }
      }
      size++;
    }

    /** The examples read so far, as the per-example function's argument under {@code vmap}. */
    public Object examples() {
      Map<String, Tensor> byName = new LinkedHashMap<>();
      for (int c = 0; c < inputs.length; c++) {
        InputColumn column = inputs[c];
        int[] shape = new int[column.shape.length + 1];
        shape[0] = size;
        System.arraycopy(column.shape, 0, shape, 1, column.shape.length);
        Object data = size == capacity ? arrays[c] : trimmed(arrays[c], size * column.elements);
        byName.put(column.name, Tensor.wrap(data, shape));
      }
      return inputs.length == 1 ? byName.values().iterator().next() : byName;
    }
  }

  /** An empty batch for up to {@code capacity} rows; its arrays become the batch's tensors. */
  public Batch newBatch(int capacity) {
    return new Batch(capacity);
  }

  private String key(InternalRow row) {
    if (keyOrdinal < 0) {
      return null;
    }
    return keyName + "=" + (row.isNullAt(keyOrdinal) ? "null" : row.get(keyOrdinal, keyType));
  }

  private static Object newArray(InputColumn column, int rows) {
    int n = Math.multiplyExact(rows, column.elements);
    return switch (column.dtype) {
      case F32 -> new float[n];
      case F64 -> new double[n];
      case I32 -> new int[n];
      case I64 -> new long[n];
      case BOOL -> new boolean[n];
    };
  }

  private static long arrayOffset(Object array) {
    if (array instanceof float[]) {
      return Platform.FLOAT_ARRAY_OFFSET;
    } else if (array instanceof double[]) {
      return Platform.DOUBLE_ARRAY_OFFSET;
    } else if (array instanceof int[]) {
      return Platform.INT_ARRAY_OFFSET;
    } else if (array instanceof long[]) {
      return Platform.LONG_ARRAY_OFFSET;
    }
    return Platform.BOOLEAN_ARRAY_OFFSET;
  }

  private static Object trimmed(Object array, int length) {
    if (array instanceof float[] a) {
      return Arrays.copyOf(a, length);
    } else if (array instanceof double[] a) {
      return Arrays.copyOf(a, length);
    } else if (array instanceof int[] a) {
      return Arrays.copyOf(a, length);
    } else if (array instanceof long[] a) {
      return Arrays.copyOf(a, length);
    }
    return Arrays.copyOf((boolean[]) array, length);
  }
}
