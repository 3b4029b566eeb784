package org.vmap4j.arrow;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.SeekableByteChannel;
import java.util.Map;
import java.util.Optional;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.apache.arrow.vector.types.pojo.Schema;
import org.vmap4j.Tensor;

/**
 * Reads Arrow IPC files or streams batch by batch as named tensors. The batch buffers come from the
 * caller's allocator and are reused from batch to batch; the returned tensors are copies and stay
 * valid after the reader is closed. {@link #close()} releases the buffers and closes the source.
 * Registers {@link FixedShapeTensorType} so that its columns come back as tensors of their shape.
 */
public final class TensorBatchReader implements AutoCloseable {
  private final ArrowReader reader;

  private TensorBatchReader(ArrowReader reader) {
    this.reader = reader;
  }

  /** A reader of the IPC file format. */
  public static TensorBatchReader file(SeekableByteChannel in, BufferAllocator allocator) {
    FixedShapeTensorType.ensureRegistered();
    return new TensorBatchReader(new ArrowFileReader(in, allocator));
  }

  /** A reader of the IPC stream format. */
  public static TensorBatchReader stream(InputStream in, BufferAllocator allocator) {
    FixedShapeTensorType.ensureRegistered();
    return new TensorBatchReader(new ArrowStreamReader(in, allocator));
  }

  /** The schema of the batches. */
  public Schema schema() {
    try {
      return reader.getVectorSchemaRoot().getSchema();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The next batch with nulls as errors, or empty at the end. */
  public Optional<Map<String, Tensor>> next() {
    return loadNext() ? Optional.of(RecordBatches.toTensors(root())) : Optional.empty();
  }

  /** The next batch read with {@code options}, or empty at the end. */
  public Optional<Map<String, ColumnTensor>> next(ReadOptions options) {
    return loadNext() ? Optional.of(RecordBatches.read(root(), options)) : Optional.empty();
  }

  private boolean loadNext() {
    try {
      return reader.loadNextBatch();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private org.apache.arrow.vector.VectorSchemaRoot root() {
    try {
      return reader.getVectorSchemaRoot();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Releases the batch buffers and closes the source. */
  @Override
  public void close() {
    try {
      reader.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
