package org.vmap4j.arrow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.junit.jupiter.api.Test;
import org.vmap4j.DType;
import org.vmap4j.Tensor;

/**
 * Named sets of tensors through record batches and Arrow IPC files and streams: several batches
 * (zero-row ones included) of every layout written and read back element for element.
 */
class IpcRoundTripTest {
  private static final Map<String, ColumnLayout> LAYOUTS =
      Map.of(
          "list", ColumnLayout.list(),
          "tensor", ColumnLayout.fixedShapeTensor(List.of("a", "b"), new int[] {1, 0}));

  /** One batch: a column of each kind, with {@code rows} rows. */
  private static Map<String, Tensor> batch(int rows, int d, Random rnd) {
    Map<String, Tensor> b = new LinkedHashMap<>();
    b.put("f32", Tensor.wrap(Columns.randomData(DType.F32, rows, rnd), rows));
    b.put("i64", Tensor.wrap(Columns.randomData(DType.I64, rows, rnd), rows));
    b.put("flag", Tensor.wrap(Columns.randomData(DType.BOOL, rows, rnd), rows));
    b.put("vec", Tensor.wrap(Columns.randomData(DType.F64, rows * d * 2, rnd), rows, d, 2));
    b.put("list", Tensor.wrap(Columns.randomData(DType.F32, rows * d, rnd), rows, d));
    b.put("tensor", Tensor.wrap(Columns.randomData(DType.I32, rows * 6, rnd), rows, 2, 3));
    return b;
  }

  private static void assertSameBatch(Map<String, Tensor> actual, Map<String, Tensor> expected) {
    assertThat(actual.keySet()).containsExactlyElementsOf(expected.keySet());
    expected.forEach(
        (name, t) -> {
          Tensor a = actual.get(name);
          int[] shape = t.shape();
          if (name.equals("list") && shape[0] == 0) {
            shape = new int[] {0, 0}; // an empty List column carries no row length
          }
          assertThat(a.shape()).as(name).containsExactly(shape);
          assertThat(a.dtype()).as(name).isEqualTo(t.dtype());
          Columns.assertSameElements(Columns.elements(a), Columns.elements(t));
        });
  }

  @Property(tries = 40)
  void filesAndStreamsRoundTripEveryBatch(
      @ForAll @IntRange(max = 3) int batchCount,
      @ForAll @IntRange(min = 1, max = 4) int d,
      @ForAll long seed)
      throws IOException {
    Random rnd = new Random(seed);
    List<Map<String, Tensor>> batches = new ArrayList<>();
    for (int i = 0; i < batchCount; i++) {
      batches.add(batch(rnd.nextInt(3) == 0 ? 0 : rnd.nextInt(20), d, rnd));
    }
    Path file = Files.createTempFile("vmap4j", ".arrow");
    try (BufferAllocator allocator = new RootAllocator()) {
      ArrowIpc.writeFile(file, batches, LAYOUTS, allocator);
      List<Map<String, Tensor>> back = ArrowIpc.readFile(file, allocator);
      assertThat(back).hasSize(batchCount);
      for (int i = 0; i < batchCount; i++) {
        assertSameBatch(back.get(i), batches.get(i));
      }

      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (TensorBatchWriter writer =
          TensorBatchWriter.stream(
              java.nio.channels.Channels.newChannel(bytes), LAYOUTS, allocator)) {
        batches.forEach(writer::write);
        assertThat(writer.batchesWritten()).isEqualTo(batchCount);
      }
      List<Map<String, Tensor>> streamed =
          ArrowIpc.readStream(new ByteArrayInputStream(bytes.toByteArray()), allocator);
      assertThat(streamed).hasSize(batchCount);
      for (int i = 0; i < batchCount; i++) {
        assertSameBatch(streamed.get(i), batches.get(i));
      }
    } finally {
      Files.deleteIfExists(file);
    }
  }

  @Test
  void recordBatchesRoundTripAndKeepColumnOrder() {
    Map<String, Tensor> columns = batch(5, 3, new Random(1));
    try (BufferAllocator allocator = new RootAllocator();
        VectorSchemaRoot root = RecordBatches.toRoot(columns, LAYOUTS, allocator)) {
      assertThat(root.getRowCount()).isEqualTo(5);
      assertThat(root.getSchema().getFields().stream().map(f -> f.getName()))
          .containsExactly("f32", "i64", "flag", "vec", "list", "tensor");
      assertThat(root.getVector("tensor")).isInstanceOf(FixedShapeTensorVector.class);
      assertSameBatch(RecordBatches.toTensors(root), columns);

      Map<String, Tensor> next = batch(2, 3, new Random(2));
      RecordBatches.writeInto(next, root);
      assertThat(root.getRowCount()).isEqualTo(2);
      assertSameBatch(RecordBatches.toTensors(root), next);
    }
  }

  @Test
  void aBatchMustHaveOneRowCount() {
    Map<String, Tensor> columns = new LinkedHashMap<>();
    columns.put("a", Tensor.of(new float[] {1, 2, 3}));
    columns.put("b", Tensor.of(new float[] {1, 2, 3, 4}, 2, 2));
    try (BufferAllocator allocator = new RootAllocator()) {
      assertThatThrownBy(() -> RecordBatches.toRoot(columns, allocator))
          .isInstanceOf(ArrowConversionException.class)
          .hasMessageContaining("'b' has 2 rows")
          .hasMessageContaining("'a' has 3");
    }
  }

  @Test
  void laterBatchesMustMatchTheFirstBatchsSchema() throws IOException {
    Path file = Files.createTempFile("vmap4j", ".arrow");
    try (BufferAllocator allocator = new RootAllocator()) {
      try (TensorBatchWriter writer =
          TensorBatchWriter.file(FileChannel.open(file, StandardOpenOption.WRITE), allocator)) {
        writer.write(Map.of("x", Tensor.of(new float[] {1, 2, 3, 4}, 2, 2)));
        assertThatThrownBy(
                () -> writer.write(Map.of("x", Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3))))
            .isInstanceOf(ArrowConversionException.class)
            .hasMessageContaining("'x'")
            .hasMessageContaining("FixedSizeList(2)")
            .hasMessageContaining("FixedSizeList(3)");
        assertThatThrownBy(
                () -> writer.write(Map.of("x", Tensor.of(new double[] {1, 2, 3, 4}, 2, 2))))
            .hasMessageContaining("DOUBLE");
        writer.write(Map.of("x", Tensor.of(new float[] {5, 6}, 1, 2)));
      }
      List<Map<String, Tensor>> back = ArrowIpc.readFile(file, allocator);
      assertThat(back).hasSize(2);
      assertThat(back.get(1).get("x").toFloatArray()).containsExactly(5, 6);
    } finally {
      Files.deleteIfExists(file);
    }
  }

  @Test
  void aWriterWithoutBatchesWritesAValidEmptyFile() throws IOException {
    Path file = Files.createTempFile("vmap4j", ".arrow");
    try (BufferAllocator allocator = new RootAllocator()) {
      ArrowIpc.writeFile(file, List.of(), allocator);
      assertThat(ArrowIpc.readFile(file, allocator)).isEmpty();
      try (TensorBatchReader reader =
          TensorBatchReader.file(FileChannel.open(file, StandardOpenOption.READ), allocator)) {
        assertThat(reader.schema().getFields()).isEmpty();
      }
    } finally {
      Files.deleteIfExists(file);
    }
  }

  @Test
  void readersApplyTheNullPolicy() throws IOException {
    // A stream whose column has a null, written with plain Arrow.
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (BufferAllocator allocator = new RootAllocator()) {
      try (VectorSchemaRoot root =
          RecordBatches.toRoot(Map.of("v", Tensor.of(new double[] {1, 2, 3})), allocator)) {
        ((org.apache.arrow.vector.Float8Vector) root.getVector("v")).setNull(1);
        try (var writer = new org.apache.arrow.vector.ipc.ArrowStreamWriter(root, null, bytes)) {
          writer.writeBatch();
        }
      }
      try (TensorBatchReader reader =
          TensorBatchReader.stream(new ByteArrayInputStream(bytes.toByteArray()), allocator)) {
        assertThatThrownBy(reader::next)
            .isInstanceOf(NullValueException.class)
            .hasMessageContaining("'v'")
            .hasMessageContaining("row 1");
      }
      try (TensorBatchReader reader =
          TensorBatchReader.stream(new ByteArrayInputStream(bytes.toByteArray()), allocator)) {
        ColumnTensor v = reader.next(ReadOptions.strict().fillNulls(0)).orElseThrow().get("v");
        assertThat(v.values().toDoubleArray()).containsExactly(1, 0, 3);
        assertThat(v.validity().orElseThrow().toBooleanArray()).containsExactly(true, false, true);
        assertThat(reader.next()).isEmpty();
      }
    }
  }
}
