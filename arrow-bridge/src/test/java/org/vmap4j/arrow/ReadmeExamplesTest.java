package org.vmap4j.arrow;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.junit.jupiter.api.Test;
import org.vmap4j.Tensor;

/** The README's snippets, verbatim apart from the assertions, so that they keep compiling. */
class ReadmeExamplesTest {
  @Test
  void singleColumns() {
    try (BufferAllocator allocator = new RootAllocator()) {
      Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 3, 2); // 3 rows of 2
      try (FieldVector column = ArrowTensors.toVector("x", x, allocator)) {
        Tensor back = ArrowTensors.toTensor(column); // [3, 2], a copy
        assertThat(back.shape()).containsExactly(3, 2);
        assertThat(back.toFloatArray()).containsExactly(1, 2, 3, 4, 5, 6);
      }
      try (FieldVector column = ArrowTensors.toVector("x", x, ColumnLayout.list(), allocator)) {
        ColumnTensor read = ArrowTensors.read(column, ReadOptions.strict().fillNulls(0));
        Tensor values = read.values();
        Tensor mask = read.validity().orElseThrow(); // all true here
        assertThat(values.toFloatArray()).containsExactly(1, 2, 3, 4, 5, 6);
        assertThat(mask.toBooleanArray()).containsOnly(true).hasSize(6);
      }
    }
  }

  @Test
  void batchAfterBatchIntoTheSameTensors() {
    try (BufferAllocator allocator = new RootAllocator();
        VectorSchemaRoot root =
            RecordBatches.toRoot(
                Map.of("x", Tensor.of(new float[] {1, 2, 3, 4}, 2, 2)), allocator)) {
      Map<String, Tensor> batch = RecordBatches.toTensors(root); // first batch: fresh arrays
      Tensor x = batch.get("x");
      assertThat(x.toFloatArray()).containsExactly(1, 2, 3, 4);

      // The producer refills the root with the next batch (same row count), e.g.:
      RecordBatches.writeInto(Map.of("x", Tensor.of(new float[] {5, 6, 7, 8}, 2, 2)), root);
      batch = RecordBatches.readInto(root, batch); // the same tensors, now holding batch 2
      assertThat(batch.get("x")).isSameAs(x);
      assertThat(x.toFloatArray()).containsExactly(5, 6, 7, 8);

      // One column at a time:
      FieldVector column = root.getVector("x");
      x = ArrowTensors.readInto(column, x);
      assertThat(x.toFloatArray()).containsExactly(5, 6, 7, 8);
    }
  }

  @Test
  void recordBatchesAndIpcFiles() throws IOException {
    try (BufferAllocator allocator = new RootAllocator()) {
      Map<String, Tensor> batch = new LinkedHashMap<>();
      batch.put("features", Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3));
      batch.put("label", Tensor.of(new long[] {0, 1}));
      batch.put("image", Tensor.of(new float[2 * 4 * 4], 2, 4, 4));
      Map<String, ColumnLayout> layouts =
          Map.of("image", ColumnLayout.fixedShapeTensor(List.of("H", "W"), null));

      try (VectorSchemaRoot root = RecordBatches.toRoot(batch, layouts, allocator)) {
        Map<String, Tensor> same = RecordBatches.toTensors(root);
        assertThat(same.keySet()).containsExactly("features", "label", "image");
        assertThat(same.get("image").shape()).containsExactly(2, 4, 4);
      }

      Path file = Files.createTempFile("batches", ".arrow");
      ArrowIpc.writeFile(file, List.of(batch, batch), layouts, allocator);
      List<Map<String, Tensor>> batches = ArrowIpc.readFile(file, allocator);
      assertThat(batches).hasSize(2);
      assertThat(batches.get(1).get("features").toDoubleArray()).containsExactly(1, 2, 3, 4, 5, 6);

      // Batch by batch, with a null policy:
      List<Tensor> seen = new ArrayList<>();
      try (TensorBatchReader reader =
          TensorBatchReader.file(FileChannel.open(file, StandardOpenOption.READ), allocator)) {
        for (Optional<Map<String, ColumnTensor>> b = reader.next(ReadOptions.strict().fillNulls(0));
            b.isPresent();
            b = reader.next(ReadOptions.strict().fillNulls(0))) {
          Tensor features = b.get().get("features").values();
          seen.add(features);
        }
      }
      assertThat(seen).hasSize(2);
      assertThat(seen.get(0).toDoubleArray()).containsExactly(1, 2, 3, 4, 5, 6);
      Files.delete(file);
    }
  }
}
