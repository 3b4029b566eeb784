package org.vmap4j.arrow;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.ipc.ArrowWriter;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.vmap4j.Tensor;

/**
 * Writes batches of named tensors as Arrow IPC, in the file format (random access, with a footer)
 * or the stream format. The first batch fixes the schema; every later batch must have the same
 * columns, dtypes and per-row shapes. One {@link VectorSchemaRoot} from the caller's allocator is
 * reused for all batches; {@link #close()} finishes the file or stream, releases that memory and
 * closes the channel.
 */
public final class TensorBatchWriter implements AutoCloseable {
  private final BufferAllocator allocator;
  private final Map<String, ColumnLayout> layouts;
  private final Function<VectorSchemaRoot, ArrowWriter> open;
  private final WritableByteChannel channel;
  private VectorSchemaRoot root;
  private ArrowWriter writer;
  private int batches;
  private boolean closed;

  private TensorBatchWriter(
      WritableByteChannel channel,
      Map<String, ColumnLayout> layouts,
      BufferAllocator allocator,
      Function<VectorSchemaRoot, ArrowWriter> open) {
    this.channel = Objects.requireNonNull(channel, "channel");
    this.layouts = Map.copyOf(layouts);
    this.allocator = Objects.requireNonNull(allocator, "allocator");
    this.open = open;
  }

  /** An IPC file writer with automatic layouts. */
  public static TensorBatchWriter file(WritableByteChannel out, BufferAllocator allocator) {
    return file(out, Map.of(), allocator);
  }

  /** An IPC file writer; {@code layouts} gives the layout of some columns by name. */
  public static TensorBatchWriter file(
      WritableByteChannel out, Map<String, ColumnLayout> layouts, BufferAllocator allocator) {
    return new TensorBatchWriter(
        out, layouts, allocator, root -> new ArrowFileWriter(root, null, out));
  }

  /** An IPC stream writer with automatic layouts. */
  public static TensorBatchWriter stream(OutputStream out, BufferAllocator allocator) {
    return stream(Channels.newChannel(out), Map.of(), allocator);
  }

  /** An IPC stream writer; {@code layouts} gives the layout of some columns by name. */
  public static TensorBatchWriter stream(
      WritableByteChannel out, Map<String, ColumnLayout> layouts, BufferAllocator allocator) {
    return new TensorBatchWriter(
        out, layouts, allocator, root -> new ArrowStreamWriter(root, null, out));
  }

  /**
   * Writes one batch.
   *
   * @throws ArrowConversionException when the batch does not match the first batch's schema, naming
   *     the first column that differs
   */
  public void write(Map<String, Tensor> batch) {
    if (closed) {
      throw new IllegalStateException("the writer is closed");
    }
    Schema schema = RecordBatches.schema(batch, layouts);
    if (root == null) {
      start(schema);
    } else if (!schema.equals(root.getSchema())) {
      throw schemaMismatch(schema);
    }
    RecordBatches.writeInto(batch, root);
    try {
      writer.writeBatch();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    batches++;
  }

  /** The number of batches written so far. */
  public int batchesWritten() {
    return batches;
  }

  private void start(Schema schema) {
    root = VectorSchemaRoot.create(schema, allocator);
    writer = open.apply(root);
    try {
      writer.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private ArrowConversionException schemaMismatch(Schema schema) {
    List<Field> expected = root.getSchema().getFields();
    List<Field> got = schema.getFields();
    for (int i = 0; i < Math.max(expected.size(), got.size()); i++) {
      Field e = i < expected.size() ? expected.get(i) : null;
      Field g = i < got.size() ? got.get(i) : null;
      if (!Objects.equals(e, g)) {
        String column = g != null ? g.getName() : e.getName();
        return new ArrowConversionException(
            column,
            "batch "
                + batches
                + " does not match the first batch's schema at column "
                + i
                + " ('"
                + column
                + "'): expected "
                + (e == null ? "no column" : e.getName() + " " + ArrowTypes.describe(e))
                + ", got "
                + (g == null ? "no column" : g.getName() + " " + ArrowTypes.describe(g)));
      }
    }
    throw new AssertionError("schemas differ but no field does");
  }

  /**
   * Finishes the file (footer) or stream (end marker), releases the batch memory and closes the
   * channel. A writer that wrote no batch writes a valid file or stream with no columns.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      if (root == null) {
        start(new Schema(List.of()));
      }
      writer.close(); // ends the file or stream and closes the channel
    } finally {
      root.close();
      if (channel.isOpen()) {
        try {
          channel.close();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    }
  }
}
