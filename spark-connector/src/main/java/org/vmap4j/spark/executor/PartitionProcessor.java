package org.vmap4j.spark.executor;

import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.JoinedRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.unsafe.Platform;
import org.apache.spark.unsafe.types.UTF8String;
import org.vmap4j.DType;
import org.vmap4j.Tensor;
import org.vmap4j.spark.BadInputException;
import org.vmap4j.spark.ErrorPolicy;
import org.vmap4j.spark.NonFinitePolicy;
import org.vmap4j.spark.ShippedTree;
import org.vmap4j.spark.VmapUdf;

/**
 * The executor side of one vmapUdf call ({@link VmapUdf#transform} or a Column-form call, both
 * planned as {@code VmapEvalExec}): a partition's rows in batches, each batch's input columns as
 * {@code [B, ...]} tensors, one kernel call per batch, and the outputs appended to the rows. Rows
 * come out in the order and number they came in. Built on the driver by the udf's planner.
 */
public final class PartitionProcessor
    implements FlatMapFunction<Iterator<InternalRow>, InternalRow> {
  private static final long serialVersionUID = 1L;

  final InputColumn[] inputs;
  final OutputColumn[] outputs;
  final int batchSize;
  final ErrorPolicy errorPolicy;
  final NonFinitePolicy nonFinite;
  final BatchKernel kernel;
  final Broadcast<ShippedTree> constants;
  final boolean arrow;

  /** The key column quoted by error messages: its position in the rows (-1: none) and type. */
  final int keyOrdinal;

  final org.apache.spark.sql.types.DataType keyType;
  final String keyName;

  /**
   * This transform's own key for its prepared kernel. The kernel's cache key names the program
   * only; the prepared kernel also holds this transform's constants, so another transform with the
   * same program and other constants must not reuse it (broadcast ids restart with each
   * SparkContext, so they cannot tell transforms apart within a JVM).
   */
  private final String preparedKey;

  public PartitionProcessor(
      InputColumn[] inputs,
      OutputColumn[] outputs,
      int batchSize,
      ErrorPolicy errorPolicy,
      NonFinitePolicy nonFinite,
      BatchKernel kernel,
      Broadcast<ShippedTree> constants,
      boolean arrow,
      String keyName,
      int keyOrdinal,
      org.apache.spark.sql.types.DataType keyType) {
    this.keyName = keyName;
    this.keyOrdinal = keyOrdinal;
    this.keyType = keyType;
    this.inputs = inputs;
    this.outputs = outputs;
    this.batchSize = batchSize;
    this.errorPolicy = errorPolicy;
    this.nonFinite = nonFinite;
    this.kernel = kernel;
    this.constants = constants;
    this.arrow = arrow;
    this.preparedKey =
        kernel.cacheKey() + (constants == null ? "" : " constants " + java.util.UUID.randomUUID());
  }

  /** This transform's kernel, prepared once per executor JVM ({@link ExecutorRuntime}). */
  BatchKernel.Prepared prepared() {
    return ExecutorRuntime.get()
        .prepared(
            preparedKey,
            () -> kernel.prepare(constants == null ? null : constants.value().toPytree()));
  }

  @Override
  public Iterator<InternalRow> call(Iterator<InternalRow> rows) {
    TaskContext task = TaskContext.get();
    int partition = task == null ? -1 : task.partitionId();
    return new Batches(rows, partition);
  }

  private final class Batches implements Iterator<InternalRow> {
    private final Iterator<InternalRow> in;
    private final int partition;
    private final ColumnBuffer[] buffers;
    private TaskArrowMemory memory;
    private InternalRow[] rows = new InternalRow[16];
    private InternalRow[] outs = new InternalRow[16];
    private int size;
    private int pos;
    private long firstRow;

    Batches(Iterator<InternalRow> in, int partition) {
      this.in = in;
      this.partition = partition;
      this.buffers = new ColumnBuffer[inputs.length];
      for (int c = 0; c < inputs.length; c++) {
        buffers[c] = new ColumnBuffer(inputs[c], arrow);
      }
    }

    TaskArrowMemory memory() {
      if (memory == null) {
        memory = TaskArrowMemory.forCurrentTask("vmapUdf");
      }
      return memory;
    }

    @Override
    public boolean hasNext() {
      if (pos < size) {
        return true;
      }
      if (!in.hasNext()) {
        if (memory != null && TaskContext.get() == null) {
          memory.close();
        }
        return false;
      }
      nextBatch();
      return pos < size;
    }

    @Override
    public InternalRow next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      return new JoinedRow(rows[pos], outs[pos++]);
    }

    private void nextBatch() {
      firstRow += size;
      size = 0;
      pos = 0;
      while (size < batchSize && in.hasNext()) {
        if (size == rows.length) {
          int grown = (int) Math.min((long) batchSize, 2L * rows.length);
          rows = java.util.Arrays.copyOf(rows, grown);
          outs = java.util.Arrays.copyOf(outs, grown);
        }
        rows[size++] = in.next().copy();
      }
      int n = size;
      String[] errors = null;
      for (int c = 0; c < inputs.length; c++) {
        InputColumn column = inputs[c];
        ColumnBuffer buffer = buffers[c];
        buffer.reset(n, this::memory);
        boolean checkFinite = nonFinite == NonFinitePolicy.REJECT && column.dtype.isFloating();
        for (int i = 0; i < n; i++) {
          long at = buffer.offset(i);
          String problem = column.gather(rows[i], buffer.base, at);
          if (problem == null && checkFinite) {
            problem = column.nonFinite(buffer.base, at);
          }
          if (problem != null) {
            BadInputException bad =
                new BadInputException(
                    column.name,
                    partition,
                    firstRow + i,
                    column.shape,
                    column.describe(),
                    problem,
                    key(rows[i]));
            if (errorPolicy == ErrorPolicy.FAIL) {
              throw bad;
            }
            if (errors == null) {
              errors = new String[n];
            }
            if (errors[i] == null) {
              errors[i] = bad.getMessage();
            }
            Platform.setMemory(buffer.base, at, column.rowBytes(), (byte) 0);
          }
        }
      }
      Tensor[] batch = new Tensor[inputs.length];
      for (int c = 0; c < inputs.length; c++) {
        batch[c] = buffers[c].tensor(n);
      }
      List<Tensor> results = prepared().run(List.of(batch), partition, firstRow);
      if (results.size() != outputs.length) {
        throw new IllegalStateException(
            "the function returned "
                + results.size()
                + " tensors for a batch but "
                + outputs.length
                + " when the output columns were inferred");
      }
      Object[] data = new Object[outputs.length];
      for (int o = 0; o < outputs.length; o++) {
        data[o] = outputData(outputs[o], results.get(o), n);
      }
      boolean errorColumn = errorPolicy == ErrorPolicy.ERROR_COLUMN;
      int width = outputs.length + (errorColumn ? 1 : 0);
      for (int i = 0; i < n; i++) {
        GenericInternalRow out = new GenericInternalRow(width);
        if (errors != null && errors[i] != null) {
          for (int o = 0; o < outputs.length; o++) {
            out.setNullAt(o);
          }
          out.update(outputs.length, UTF8String.fromString(errors[i]));
        } else {
          for (int o = 0; o < outputs.length; o++) {
            out.update(o, value(outputs[o], data[o], i));
          }
          if (errorColumn) {
            out.setNullAt(outputs.length);
          }
        }
        outs[i] = out;
      }
    }
  }

  /** {@code name=value} of the row's key column, or null when there is none. */
  private String key(InternalRow row) {
    if (keyOrdinal < 0) {
      return null;
    }
    return keyName + "=" + (row.isNullAt(keyOrdinal) ? "null" : row.get(keyOrdinal, keyType));
  }

  /** The output's values as a Java array, checked against the declared shape. */
  private static Object outputData(OutputColumn column, Tensor t, int n) {
    int[] s = t.shape();
    boolean ok = s.length == column.shape.length + 1 && s[0] == n;
    for (int d = 0; ok && d < column.shape.length; d++) {
      ok = s[d + 1] == column.shape[d];
    }
    if (!ok) {
      throw new IllegalStateException(
          "output '"
              + column.name
              + "' has shape "
              + java.util.Arrays.toString(s)
              + " for a batch of "
              + n
              + " rows, but its per-example shape was inferred as "
              + java.util.Arrays.toString(column.shape));
    }
    Tensor c = t.dtype() == column.dtype ? t : t.astype(column.dtype);
    return switch (column.dtype) {
      case F32 -> c.toFloatArray();
      case F64 -> c.toDoubleArray();
      case I32 -> c.toIntArray();
      case I64 -> c.toLongArray();
      case BOOL -> c.toBooleanArray();
    };
  }

  private static Object value(OutputColumn column, Object data, int row) {
    if (column.shape.length == 0) {
      return switch (column.dtype) {
        case F32 -> ((float[]) data)[row];
        case F64 -> ((double[]) data)[row];
        case I32 -> ((int[]) data)[row];
        case I64 -> ((long[]) data)[row];
        case BOOL -> ((boolean[]) data)[row];
      };
    }
    long first = (long) row * column.elements;
    if (column.shape.length == 1 || column.flat) {
      return slice(column.dtype, data, first, column.elements);
    }
    return nested(column, data, first, 0);
  }

  private static ArrayData nested(OutputColumn column, Object data, long first, int level) {
    int n = column.shape[level];
    if (level == column.shape.length - 1) {
      return slice(column.dtype, data, first, n);
    }
    long stride = 1;
    for (int d = level + 1; d < column.shape.length; d++) {
      stride *= column.shape[d];
    }
    Object[] children = new Object[n];
    for (int i = 0; i < n; i++) {
      children[i] = nested(column, data, first + i * stride, level + 1);
    }
    return new GenericArrayData(children);
  }

  private static UnsafeArrayData slice(DType dtype, Object data, long first, int length) {
    int size =
        switch (dtype) {
          case BOOL -> 1;
          case I32, F32 -> 4;
          case I64, F64 -> 8;
        };
    long base =
        switch (dtype) {
          case F32 -> Platform.FLOAT_ARRAY_OFFSET;
          case F64 -> Platform.DOUBLE_ARRAY_OFFSET;
          case I32 -> Platform.INT_ARRAY_OFFSET;
          case I64 -> Platform.LONG_ARRAY_OFFSET;
          case BOOL -> Platform.BOOLEAN_ARRAY_OFFSET;
        };
    long offset = base + first * size;
    if (offset <= Integer.MAX_VALUE) {
      return UnsafeArrayData.fromPrimitiveArray(data, (int) offset, length, size);
    }
    // fromPrimitiveArray takes an int offset: copy rows beyond 2 GiB into a small array first
    Object row = java.lang.reflect.Array.newInstance(data.getClass().getComponentType(), length);
    System.arraycopy(data, (int) first, row, 0, length);
    return UnsafeArrayData.fromPrimitiveArray(row, (int) base, length, size);
  }
}
