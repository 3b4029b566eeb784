package org.vmap4j.arrow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.extension.InvalidExtensionMetadataException;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.ExtensionTypeRegistry;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.util.TransferPair;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmap4j.Tensor;

/**
 * {@code arrow.fixed_shape_tensor} against the canonical extension types specification: the JSON
 * metadata (parsed here with an independent JSON parser), its validation, its registration, and
 * what an IPC file written with it carries.
 */
class FixedShapeTensorTypeTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private BufferAllocator allocator;

  @BeforeEach
  void open() {
    allocator = new RootAllocator();
  }

  @AfterEach
  void close() {
    allocator.close(); // fails the test on any leaked buffer
  }

  @Test
  void metadataIsTheSpecifiedJsonWithOnlyTheKeysThatAreSet() throws IOException {
    JsonNode plain = JSON.readTree(new FixedShapeTensorType(2, 5).serialize());
    assertThat(fieldNames(plain)).containsExactly("shape");
    assertThat(plain.get("shape").toString()).isEqualTo("[2,5]");

    FixedShapeTensorType full =
        new FixedShapeTensorType(
            new int[] {100, 200, 500}, List.of("C", "H", "W"), new int[] {2, 0, 1});
    JsonNode node = JSON.readTree(full.serialize());
    assertThat(fieldNames(node)).containsExactly("shape", "dim_names", "permutation");
    assertThat(node.get("shape").toString()).isEqualTo("[100,200,500]");
    assertThat(node.get("dim_names").toString()).isEqualTo("[\"C\",\"H\",\"W\"]");
    assertThat(node.get("permutation").toString()).isEqualTo("[2,0,1]");
    // The specification's example: physical [100, 200, 500] permuted by [2, 0, 1] is [500, 100,
    // 200].
    assertThat(full.logicalShape()).containsExactly(500, 100, 200);
    assertThat(full.storageType()).isEqualTo(new ArrowType.FixedSizeList(100 * 200 * 500));
    assertThat(full.extensionName()).isEqualTo("arrow.fixed_shape_tensor");
  }

  @Test
  void deserializeAcceptsTheSpecificationsExamplesAndIgnoresUnknownKeys() {
    FixedShapeTensorType prototype = new FixedShapeTensorType(new int[0]);
    ArrowType a = prototype.deserialize(new ArrowType.FixedSizeList(10), "{ \"shape\": [2, 5]}");
    assertThat(a).isEqualTo(new FixedShapeTensorType(2, 5));
    ArrowType b =
        prototype.deserialize(
            new ArrowType.FixedSizeList(100 * 200 * 500),
            "{ \"shape\": [100, 200, 500], \"dim_names\": [\"C\", \"H\", \"W\"]}");
    assertThat(((FixedShapeTensorType) b).dimNames()).contains(List.of("C", "H", "W"));
    ArrowType c =
        prototype.deserialize(
            new ArrowType.FixedSizeList(6),
            "{\"shape\": [2, 3], \"permutation\": [1, 0], \"future\": true}");
    assertThat(((FixedShapeTensorType) c).permutation())
        .hasValueSatisfying(p -> assertThat(p).containsExactly(1, 0));
  }

  @Test
  void malformedMetadataIsRejectedWithTheReason() {
    FixedShapeTensorType prototype = new FixedShapeTensorType(new int[0]);
    Map<String, String> cases =
        Map.of(
            "{}", "no \"shape\"",
            "[2, 5]", "not a JSON object",
            "{\"shape\": [2, -5]}", "negative",
            "{\"shape\": [2, 5], \"dim_names\": [\"a\"]}", "one name per dimension",
            "{\"shape\": [2, 5], \"permutation\": [0, 0]}", "not a permutation",
            "{\"shape\": [2, 5], \"permutation\": [0, 2]}", "not a permutation",
            "{\"shape\": [2.5]}", "not an integer",
            "{\"shape\": [2, 5], \"dim_names\": [1, 2]}", "not a string",
            "not json", "invalid arrow.fixed_shape_tensor metadata");
    cases.forEach(
        (json, reason) ->
            assertThatThrownBy(() -> prototype.deserialize(new ArrowType.FixedSizeList(10), json))
                .as(json)
                .isInstanceOf(InvalidExtensionMetadataException.class)
                .hasMessageContaining(reason));
    assertThatThrownBy(
            () -> prototype.deserialize(new ArrowType.FixedSizeList(9), "{\"shape\": [2, 5]}"))
        .isInstanceOf(InvalidExtensionMetadataException.class)
        .hasMessageContaining("FixedSizeList(10)");
    assertThatThrownBy(() -> prototype.deserialize(ArrowType.List.INSTANCE, "{\"shape\": [1]}"))
        .isInstanceOf(InvalidExtensionMetadataException.class);
  }

  @Test
  void registrationMakesArrowBuildTensorVectors() {
    FixedShapeTensorType.ensureRegistered();
    FixedShapeTensorType.ensureRegistered(); // idempotent
    assertThat(ExtensionTypeRegistry.lookup("arrow.fixed_shape_tensor"))
        .isInstanceOf(FixedShapeTensorType.class);
    FixedShapeTensorType type = new FixedShapeTensorType(3);
    Field field = type.field("t", new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE));
    try (FieldVector v = field.createVector(allocator)) {
      assertThat(v).isInstanceOf(FixedShapeTensorVector.class);
      assertThat(v.getField().getMetadata())
          .containsEntry("ARROW:extension:name", "arrow.fixed_shape_tensor")
          .containsEntry("ARROW:extension:metadata", "{\"shape\":[3]}");
    }
  }

  @Test
  void filesCarryExactlyTheSpecifiedMetadataAndStorage(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("t.arrow");
    float[] data = new float[4 * 6];
    for (int i = 0; i < data.length; i++) {
      data[i] = i * 0.5f;
    }
    Tensor images = Tensor.of(data, 4, 2, 3);
    ArrowIpc.writeFile(
        file,
        List.of(Map.of("img", images)),
        Map.of("img", ColumnLayout.fixedShapeTensor(List.of("H", "W"), null)),
        allocator);

    // The flatbuffer stores metadata values as plain UTF-8 strings: the exact JSON is in the file.
    String expectedJson = "{\"shape\":[2,3],\"dim_names\":[\"H\",\"W\"]}";
    byte[] bytes = Files.readAllBytes(file);
    assertThat(indexOf(bytes, expectedJson.getBytes(StandardCharsets.UTF_8))).isNotNegative();
    assertThat(indexOf(bytes, "arrow.fixed_shape_tensor".getBytes(StandardCharsets.UTF_8)))
        .isNotNegative();

    try (ArrowFileReader reader =
        new ArrowFileReader(FileChannel.open(file, StandardOpenOption.READ), allocator)) {
      VectorSchemaRoot root = reader.getVectorSchemaRoot();
      Field field = root.getSchema().getFields().get(0);
      assertThat(field.getMetadata())
          .containsOnlyKeys("ARROW:extension:name", "ARROW:extension:metadata")
          .containsEntry("ARROW:extension:name", "arrow.fixed_shape_tensor")
          .containsEntry("ARROW:extension:metadata", expectedJson);
      assertThat(field.getType())
          .isEqualTo(new FixedShapeTensorType(new int[] {2, 3}, List.of("H", "W"), null));
      assertThat(field.getChildren()).hasSize(1);
      assertThat(field.getChildren().get(0).getType())
          .isEqualTo(new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE));
      assertThat(reader.loadNextBatch()).isTrue();
      FieldVector column = root.getVector("img");
      assertThat(column).isInstanceOf(FixedShapeTensorVector.class);
      Tensor back = ArrowTensors.toTensor(column);
      assertThat(back.shape()).containsExactly(4, 2, 3);
      assertThat(back.toFloatArray()).containsExactly(data);
    }
  }

  @Test
  void aReaderThatHasNotRegisteredTheTypeStillGetsTensorsFromTheMetadata(@TempDir Path dir)
      throws IOException {
    Path file = dir.resolve("t.arrow");
    int[] data = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    // Physical [3, 2] read with permutation [1, 0] gives logical rows of shape [2, 3].
    ArrowIpc.writeFile(
        file,
        List.of(Map.of("m", Tensor.of(data, 2, 2, 3))),
        Map.of("m", ColumnLayout.fixedShapeTensor(null, new int[] {1, 0})),
        allocator);
    ArrowType.ExtensionType registered =
        ExtensionTypeRegistry.lookup(FixedShapeTensorType.EXTENSION_NAME);
    ExtensionTypeRegistry.unregister(registered);
    try (ArrowFileReader reader =
        new ArrowFileReader(FileChannel.open(file, StandardOpenOption.READ), allocator)) {
      assertThat(reader.loadNextBatch()).isTrue();
      FieldVector column = reader.getVectorSchemaRoot().getVector("m");
      assertThat(column).isInstanceOf(FixedSizeListVector.class);
      assertThat(column.getField().getMetadata())
          .containsEntry("ARROW:extension:metadata", "{\"shape\":[3,2],\"permutation\":[1,0]}");
      Tensor back = ArrowTensors.toTensor(column);
      assertThat(back.shape()).containsExactly(2, 2, 3);
      assertThat(back.toIntArray()).containsExactly(data);
    } finally {
      ExtensionTypeRegistry.register(registered);
    }
  }

  @Test
  void transfersKeepTheExtensionType() {
    Tensor t = Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 3, 2);
    try (FieldVector column =
            ArrowTensors.toVector("t", t, ColumnLayout.fixedShapeTensor(), allocator);
        BufferAllocator child = allocator.newChildAllocator("child", 0, Long.MAX_VALUE)) {
      TransferPair pair = column.getTransferPair(child);
      pair.splitAndTransfer(1, 2);
      try (FieldVector slice = (FieldVector) pair.getTo()) {
        assertThat(slice).isInstanceOf(FixedShapeTensorVector.class);
        assertThat(slice.getField().getType()).isEqualTo(new FixedShapeTensorType(2));
        assertThat(ArrowTensors.toTensor(slice).toDoubleArray()).containsExactly(3, 4, 5, 6);
      }
    }
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      names.add(it.next());
    }
    return names;
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
