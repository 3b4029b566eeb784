package org.vmap4j.arrow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.DictionaryEncoding;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vmap4j.Tensor;

/** Everything that is not a tensor fails with the column's name and its Arrow type. */
class UnsupportedInputTest {
  private BufferAllocator allocator;

  @BeforeEach
  void open() {
    allocator = new RootAllocator();
  }

  @AfterEach
  void close() {
    allocator.close();
  }

  private void assertUnsupported(Field field, String typeText) {
    try (FieldVector v = field.createVector(allocator)) {
      v.setValueCount(0);
      assertThatThrownBy(() -> ArrowTensors.toTensor(v))
          .isInstanceOf(UnsupportedColumnException.class)
          .hasMessageContaining("column '" + field.getName() + "'")
          .hasMessageContaining(typeText)
          .satisfies(
              e -> {
                UnsupportedColumnException u = (UnsupportedColumnException) e;
                assertThat(u.column()).isEqualTo(field.getName());
                assertThat(u.arrowType()).contains(typeText);
              });
    }
  }

  @Test
  void nonTensorTypesNameTheColumnAndType() {
    ArrowType f32 = new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE);
    assertUnsupported(Field.nullable("text", ArrowType.Utf8.INSTANCE), "Utf8");
    assertUnsupported(Field.nullable("u32", new ArrowType.Int(32, false)), "Int(32, false)");
    assertUnsupported(Field.nullable("i16", new ArrowType.Int(16, true)), "Int(16, true)");
    assertUnsupported(
        Field.nullable("half", new ArrowType.FloatingPoint(FloatingPointPrecision.HALF)),
        "FloatingPoint(HALF)");
    assertUnsupported(
        new Field(
            "words",
            FieldType.nullable(new ArrowType.FixedSizeList(2)),
            List.of(Field.nullable("item", ArrowType.Utf8.INSTANCE))),
        "FixedSizeList(2)<Utf8>");
    assertUnsupported(
        new Field(
            "nested",
            FieldType.nullable(ArrowType.List.INSTANCE),
            List.of(
                new Field(
                    "item",
                    FieldType.nullable(ArrowType.List.INSTANCE),
                    List.of(Field.nullable("item", f32))))),
        "List<List<FloatingPoint(SINGLE)>>");
    assertUnsupported(
        new Field(
            "big",
            FieldType.nullable(ArrowType.LargeList.INSTANCE),
            List.of(Field.nullable("item", f32))),
        "LargeList");
    assertUnsupported(
        new Field(
            "s", FieldType.nullable(ArrowType.Struct.INSTANCE), List.of(Field.nullable("a", f32))),
        "Struct");
    assertUnsupported(
        new Field(
            "codes",
            new FieldType(
                true, new ArrowType.Int(32, true), new DictionaryEncoding(1, false, null)),
            null),
        "Dictionary");
  }

  @Test
  void tensorsThatDoNotFitTheColumnAreRejected() {
    try (Float4Vector column = new Float4Vector("x", allocator)) {
      assertThatThrownBy(() -> ArrowTensors.writeInto(Tensor.of(new double[] {1, 2}), column))
          .isInstanceOf(ArrowConversionException.class)
          .hasMessageContaining("'x'")
          .hasMessageContaining("f64")
          .hasMessageContaining("FloatingPoint(SINGLE)");
      assertThatThrownBy(
              () -> ArrowTensors.writeInto(Tensor.of(new float[] {1, 2, 3, 4}, 2, 2), column))
          .hasMessageContaining("shape [2, 2]")
          .hasMessageContaining("1-D");
    }
    assertThatThrownBy(() -> ArrowTensors.toVector("s", Tensor.scalar(1.0), allocator))
        .isInstanceOf(ArrowConversionException.class)
        .hasMessageContaining("'s'")
        .hasMessageContaining("scalar");
    assertThatThrownBy(
            () ->
                ArrowTensors.toVector(
                    "l", Tensor.of(new float[8], 2, 2, 2), ColumnLayout.list(), allocator))
        .hasMessageContaining("'l'")
        .hasMessageContaining("List layout holds rows of shape [d]");
    assertThatThrownBy(
            () ->
                ArrowTensors.toVector(
                    "p",
                    Tensor.of(new float[8], 2, 2, 2),
                    ColumnLayout.fixedShapeTensor(null, new int[] {0, 0}),
                    allocator))
        .hasMessageContaining("'p'")
        .hasMessageContaining("not a permutation");
    try (FieldVector tensor =
        ArrowTensors.toVector(
            "t", Tensor.of(new float[6], 1, 2, 3), ColumnLayout.fixedShapeTensor(), allocator)) {
      assertThatThrownBy(() -> ArrowTensors.writeInto(Tensor.of(new float[6], 1, 3, 2), tensor))
          .hasMessageContaining("'t'")
          .hasMessageContaining("rows must have shape [2, 3]");
    }
  }

  @Test
  void leakedBuffersFailTheAllocatorsClose() {
    // The check every test relies on: closing an allocator with live buffers throws.
    BufferAllocator leaky = new RootAllocator();
    FieldVector column = ArrowTensors.toVector("x", Tensor.of(new float[] {1, 2}), leaky);
    assertThatThrownBy(leaky::close)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("leak");
    // The allocator is now closed and cannot take the buffers back: the few bytes stay leaked.
    assertThat(column.getValueCount()).isEqualTo(2);
  }
}
