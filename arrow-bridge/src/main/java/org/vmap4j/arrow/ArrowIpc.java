package org.vmap4j.arrow;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.arrow.memory.BufferAllocator;
import org.vmap4j.Tensor;

/**
 * Whole-file and whole-stream conveniences over {@link TensorBatchWriter} and {@link
 * TensorBatchReader}. The allocator lends memory only for the duration of each call.
 */
public final class ArrowIpc {
  private ArrowIpc() {}

  /** Writes the batches to an Arrow IPC file, replacing it, with automatic layouts. */
  public static void writeFile(
      Path path, List<Map<String, Tensor>> batches, BufferAllocator allocator) {
    writeFile(path, batches, Map.of(), allocator);
  }

  /** Writes the batches to an Arrow IPC file; {@code layouts} names layouts by column. */
  public static void writeFile(
      Path path,
      List<Map<String, Tensor>> batches,
      Map<String, ColumnLayout> layouts,
      BufferAllocator allocator) {
    FileChannel channel;
    try {
      channel =
          FileChannel.open(
              path,
              StandardOpenOption.CREATE,
              StandardOpenOption.WRITE,
              StandardOpenOption.TRUNCATE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try (TensorBatchWriter writer = TensorBatchWriter.file(channel, layouts, allocator)) {
      batches.forEach(writer::write);
    }
  }

  /** Every batch of an Arrow IPC file, nulls as errors. */
  public static List<Map<String, Tensor>> readFile(Path path, BufferAllocator allocator) {
    FileChannel channel;
    try {
      channel = FileChannel.open(path, StandardOpenOption.READ);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try (TensorBatchReader reader = TensorBatchReader.file(channel, allocator)) {
      return readAll(reader);
    }
  }

  /** Writes the batches as an Arrow IPC stream and closes {@code out}. */
  public static void writeStream(
      OutputStream out, List<Map<String, Tensor>> batches, BufferAllocator allocator) {
    try (TensorBatchWriter writer = TensorBatchWriter.stream(out, allocator)) {
      batches.forEach(writer::write);
    }
  }

  /** Every batch of an Arrow IPC stream, nulls as errors; closes {@code in}. */
  public static List<Map<String, Tensor>> readStream(InputStream in, BufferAllocator allocator) {
    try (TensorBatchReader reader = TensorBatchReader.stream(in, allocator)) {
      return readAll(reader);
    }
  }

  private static List<Map<String, Tensor>> readAll(TensorBatchReader reader) {
    List<Map<String, Tensor>> out = new ArrayList<>();
    for (Optional<Map<String, Tensor>> b = reader.next(); b.isPresent(); b = reader.next()) {
      out.add(b.get());
    }
    return out;
  }
}
