package org.vmap4j.spark.executor;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.DataType;
import org.vmap4j.Tensor;
import org.vmap4j.spark.BadInputException;

/**
 * A partition's {@link InternalRow}s read into batches of example tensors by the same column
 * readers and the same batch buffers {@link org.vmap4j.spark.VmapUdf}'s executors use ({@link
 * InputColumn#gather} into a {@link ColumnBuffer}): the columns resolved on the driver by the udf
 * (numeric and boolean scalars, flat and nested arrays, MLlib vectors dense or sparse, declared
 * shapes and reshapes, shapes from column metadata or the first row), and the same {@link
 * BadInputException} for a row that is not an example of its column's shape. By default, as in the
 * udf, each column's batch goes through an Arrow vector of the task's allocator, reused batch after
 * batch, and is read out by arrow-bridge into the previous batch's tensor when the batch has as
 * many rows; with the udf's {@code arrowBatches(false)} (and always for BOOL columns) it is
 * gathered straight into the Java array its tensor wraps.
 *
 * <p>For consumers that reduce over the rows instead of writing a value back to each (the DataFrame
 * clipped gradient sum): one column gives the {@code [n, ...]} tensor, several a {@code Map<String,
 * Tensor>} by column name, as the udf binds them. Rows are gathered as they arrive (none is copied
 * or kept), so a batch is sized for its capacity up front.
 */
public final class ExampleBatchReader implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String transform;
  private final InputColumn[] inputs;
  private final boolean rejectNonFinite;
  private final boolean arrow;
  private final String keyName;
  private final int keyOrdinal;
  private final DataType keyType;

  /**
   * @param inputs the udf's resolved columns, at their ordinals in the rows this reads
   * @param arrow whether batches go through Arrow vectors (the udf's {@code arrowBatches})
   * @param keyOrdinal the key column's position in those rows (-1: none), quoted by errors
   */
  public ExampleBatchReader(
      String transform,
      InputColumn[] inputs,
      boolean rejectNonFinite,
      boolean arrow,
      String keyName,
      int keyOrdinal,
      DataType keyType) {
    this.transform = transform;
    this.inputs = inputs.clone();
    this.rejectNonFinite = rejectNonFinite;
    this.arrow = arrow;
    this.keyName = keyName;
    this.keyOrdinal = keyOrdinal;
    this.keyType = keyType;
  }

  /**
   * One partition's batches, one at a time, in one set of buffers: {@link #add} rows until {@link
   * #isFull} (or the rows end), take {@link #examples}, and the next {@code add} starts the next
   * batch. Close it when the partition is done: it releases the Arrow vectors (the task's
   * completion closes them too, if an error comes first).
   */
  public final class Batches implements AutoCloseable {
    private final ColumnBuffer[] buffers = new ColumnBuffer[inputs.length];
    private final int capacity;
    private TaskArrowMemory memory;
    private int size;
    private boolean started;

    private Batches(int capacity) {
      this.capacity = capacity;
      for (int c = 0; c < inputs.length; c++) {
        buffers[c] = new ColumnBuffer(inputs[c], arrow);
      }
    }

    public boolean isFull() {
      return size == capacity;
    }

    /** Rows in the batch being filled. */
    public int size() {
      return size;
    }

    private TaskArrowMemory memory() {
      if (memory == null) {
        memory = TaskArrowMemory.forCurrentTask("clippedGradientSum");
      }
      return memory;
    }

    /**
     * Copies one row's values in (the row is not kept: Spark may reuse it).
     *
     * @throws BadInputException naming the column, partition, row, expected shape and the fix
     */
    public void add(InternalRow row, int partition, long rowInPartition) {
      if (!started) {
        for (ColumnBuffer buffer : buffers) {
          buffer.reset(capacity, this::memory);
        }
        started = true;
      }
      for (int c = 0; c < inputs.length; c++) {
        InputColumn column = inputs[c];
        ColumnBuffer buffer = buffers[c];
        long at = buffer.offset(size);
        String problem = column.gather(row, buffer.base, at);
        if (problem == null && rejectNonFinite && column.dtype.isFloating()) {
          problem = column.nonFinite(buffer.base, at);
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

    /**
     * The batch's examples, as the per-example function's argument under {@code vmap}; valid until
     * the next {@link #add}, which starts the next batch in the same buffers.
     */
    public Object examples() {
      if (size == 0) {
        throw new IllegalStateException("no rows were added to this batch");
      }
      Map<String, Tensor> byName = new LinkedHashMap<>();
      for (int c = 0; c < inputs.length; c++) {
        byName.put(inputs[c].name, buffers[c].tensor(size));
      }
      size = 0;
      started = false;
      return inputs.length == 1 ? byName.values().iterator().next() : byName;
    }

    @Override
    public void close() {
      if (memory != null) {
        memory.close();
      }
    }
  }

  /** A partition's batches of up to {@code capacity} rows each. */
  public Batches open(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("a batch holds at least one row, got " + capacity);
    }
    return new Batches(capacity);
  }

  private String key(InternalRow row) {
    if (keyOrdinal < 0) {
      return null;
    }
    return keyName + "=" + (row.isNullAt(keyOrdinal) ? "null" : row.get(keyOrdinal, keyType));
  }
}
