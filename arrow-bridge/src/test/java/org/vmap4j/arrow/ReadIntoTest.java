package org.vmap4j.arrow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.junit.jupiter.api.Test;
import org.vmap4j.DType;
import org.vmap4j.Tensor;
import org.vmap4j.cpu.CpuTensor;

/**
 * Reading into a reused tensor ({@link ArrowTensors#readInto}): for every layout, a second batch
 * read into the tensor the first batch produced overwrites that tensor's own array with exactly the
 * second batch's elements; nulls are filled into it from a reference built with loops; a strict
 * read that fails leaves it unchanged; and a tensor that does not fit is an error naming the column
 * and what does not fit. Each try closes its allocator, which fails on any leaked buffer.
 */
class ReadIntoTest {
  @Provide
  Arbitrary<DType> dtypes() {
    return Arbitraries.of(DType.values());
  }

  @Provide
  Arbitrary<int[]> rowShapes() {
    return Arbitraries.integers().between(0, 4).array(int[].class).ofMinSize(0).ofMaxSize(3);
  }

  @Provide
  Arbitrary<String> layouts() {
    return Arbitraries.of("automatic", "list", "fixedShapeTensor", "permutedTensor");
  }

  @Property(tries = 300)
  void aSecondBatchOverwritesTheFirstBatchsTensorInPlace(
      @ForAll("dtypes") DType dtype,
      @ForAll @IntRange(max = 12) int rows,
      @ForAll("rowShapes") int[] rowShape,
      @ForAll("layouts") String layoutName,
      @ForAll long seed) {
    Random rnd = new Random(seed);
    if (layoutName.equals("list")) {
      // A List column is [rows, d]; with zero rows it carries no d and reads as [0, 0].
      rowShape = new int[] {rows == 0 ? 0 : rowShape.length == 0 ? 3 : rowShape[0]};
    }
    ColumnLayout layout = layout(layoutName, rowShape.length, rnd);
    int[] shape = Columns.prepend(rows, rowShape);
    int total = Columns.size(shape);
    Tensor first = Tensor.wrap(Columns.randomData(dtype, total, rnd), shape);
    Object data2 = Columns.randomData(dtype, total, rnd);
    Tensor second = Tensor.wrap(data2, shape);
    try (BufferAllocator allocator = new RootAllocator()) {
      Tensor target;
      try (FieldVector column = ArrowTensors.toVector("x", first, layout, allocator)) {
        target = ArrowTensors.toTensor(column);
      }
      Object array = ((CpuTensor) target).data();
      try (FieldVector column = ArrowTensors.toVector("x", second, layout, allocator)) {
        Tensor read = ArrowTensors.readInto(column, target);
        assertThat(read).isSameAs(target);
        assertThat(((CpuTensor) read).data()).isSameAs(array);
        assertThat(read.shape()).containsExactly(shape);
        Columns.assertSameElements(Columns.elements(read), data2);
      }
    }
  }

  @Property(tries = 200)
  void nullsAreFilledIntoTheTargetWithAFreshMask(
      @ForAll("dtypes") DType dtype,
      @ForAll @IntRange(min = 1, max = 12) int rows,
      @ForAll @IntRange(min = 1, max = 4) int d,
      @ForAll long seed) {
    Random rnd = new Random(seed);
    boolean[] nullRows = new boolean[rows];
    int[] lengths = new int[rows];
    int present = 0;
    int someRow = rnd.nextInt(rows); // present, so that the column has a row length
    for (int i = 0; i < rows; i++) {
      nullRows[i] = i != someRow && rnd.nextInt(3) == 0;
      lengths[i] = nullRows[i] ? 0 : d; // null rows take no elements: the rows do not lie evenly
      present += lengths[i];
    }
    Object data = Columns.randomData(dtype, present, rnd);
    double fill = dtype == DType.BOOL ? 1 : 5;
    // Reference, with loops: present rows in order from data, null rows all fill.
    Object expected = Columns.randomData(dtype, rows * d, rnd);
    boolean[] expectedMask = new boolean[rows * d];
    for (int i = 0, k = 0; i < rows; i++) {
      for (int j = 0; j < d; j++) {
        if (nullRows[i]) {
          Tensor one = Tensor.full(dtype, fill, 1);
          java.lang.reflect.Array.set(
              expected, i * d + j, java.lang.reflect.Array.get(Columns.elements(one), 0));
        } else {
          java.lang.reflect.Array.set(expected, i * d + j, java.lang.reflect.Array.get(data, k++));
          expectedMask[i * d + j] = true;
        }
      }
    }
    // A target full of other values, so that every element must be written.
    Tensor target = Tensor.wrap(Columns.randomData(dtype, rows * d, rnd), rows, d);
    try (BufferAllocator allocator = new RootAllocator();
        ListVector column = Columns.list("x", dtype, lengths, nullRows, data, allocator)) {
      ColumnTensor read =
          ArrowTensors.readInto(column, target, ReadOptions.strict().fillNulls(fill));
      assertThat(read.values()).isSameAs(target);
      Columns.assertSameElements(Columns.elements(target), expected);
      assertThat(read.validity()).isPresent();
      assertThat(read.validity().get().toBooleanArray()).containsExactly(expectedMask);
    }
  }

  @Test
  void aStrictReadThatFindsANullLeavesTheTargetUnchanged() {
    float[] before = {9, 9, 9, 9};
    Tensor target = Tensor.of(before, 2, 2);
    try (BufferAllocator allocator = new RootAllocator();
        ListVector column =
            Columns.list(
                "x",
                DType.F32,
                new int[] {2, 0},
                new boolean[] {false, true},
                new float[] {1, 2},
                allocator)) {
      assertThatThrownBy(() -> ArrowTensors.readInto(column, target))
          .isInstanceOf(NullValueException.class)
          .hasMessageContaining("column 'x'")
          .hasMessageContaining("row 1");
      assertThat(target.toFloatArray()).containsExactly(before);
    }
  }

  @Test
  void aTargetThatDoesNotFitIsAnErrorNamingTheColumnAndWhy() {
    try (BufferAllocator allocator = new RootAllocator();
        FieldVector column =
            ArrowTensors.toVector("x", Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 3, 2), allocator);
        FieldVector permuted =
            ArrowTensors.toVector(
                "p",
                Tensor.of(new float[24], 2, 3, 4),
                ColumnLayout.fixedShapeTensor(null, new int[] {1, 0}),
                allocator)) {
      assertThatThrownBy(() -> ArrowTensors.readInto(column, Tensor.zeros(DType.F64, 3, 2)))
          .isInstanceOf(ArrowConversionException.class)
          .hasMessage(
              "cannot read column 'x' of Arrow type FixedSizeList(2)<FloatingPoint(SINGLE)> into"
                  + " the target: the column reads as f32 [3, 2] but the target is f64 [3, 2]");
      assertThatThrownBy(() -> ArrowTensors.readInto(column, Tensor.zeros(DType.F32, 4, 2)))
          .isInstanceOf(ArrowConversionException.class)
          .hasMessageContaining("the column reads as f32 [3, 2] but the target is f32 [4, 2]");
      // A transposed view of a [2, 3] array has the shape but not the row-major layout.
      Tensor transposed = Tensor.zeros(DType.F32, 2, 3).permute(1, 0);
      assertThatThrownBy(() -> ArrowTensors.readInto(column, transposed))
          .isInstanceOf(ArrowConversionException.class)
          .hasMessageContaining("column 'x'")
          .hasMessageContaining("the target is a view")
          .hasMessageContaining("it must own its whole array in row-major order");
      // A slice shares a larger array.
      Tensor slice = Tensor.zeros(DType.F32, 4, 2).slice(0, 1, 4);
      assertThatThrownBy(() -> ArrowTensors.readInto(column, slice))
          .isInstanceOf(ArrowConversionException.class)
          .hasMessageContaining("the target is a view");
      // A permuted tensor column reads as a view over its stored order: a row-major tensor of the
      // logical shape does not fit, the tensor a previous read returned does.
      assertThatThrownBy(() -> ArrowTensors.readInto(permuted, Tensor.zeros(DType.F32, 2, 3, 4)))
          .isInstanceOf(ArrowConversionException.class)
          .hasMessageContaining("column 'p'")
          .hasMessageContaining("in the column's stored order");
      Tensor reused = ArrowTensors.toTensor(permuted);
      assertThat(ArrowTensors.readInto(permuted, reused)).isSameAs(reused);
    }
  }

  @Test
  void recordBatchesReadNamedColumnsIntoTheirTargetsAndTheOthersFresh() {
    Map<String, Tensor> batch1 = new LinkedHashMap<>();
    batch1.put("features", Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3));
    batch1.put("label", Tensor.of(new long[] {0, 1}));
    Map<String, Tensor> batch2 = new LinkedHashMap<>();
    batch2.put("features", Tensor.of(new double[] {7, 8, 9, 10, 11, 12}, 2, 3));
    batch2.put("label", Tensor.of(new long[] {1, 0}));
    try (BufferAllocator allocator = new RootAllocator();
        VectorSchemaRoot root = RecordBatches.toRoot(batch1, allocator)) {
      Map<String, Tensor> first = RecordBatches.toTensors(root);
      RecordBatches.writeInto(batch2, root);
      Map<String, Tensor> second =
          RecordBatches.readInto(root, Map.of("features", first.get("features")));
      assertThat(second.keySet()).containsExactly("features", "label");
      assertThat(second.get("features")).isSameAs(first.get("features"));
      assertThat(second.get("features").toDoubleArray()).containsExactly(7, 8, 9, 10, 11, 12);
      assertThat(second.get("label")).isNotSameAs(first.get("label"));
      assertThat(second.get("label").toLongArray()).containsExactly(1, 0);
      assertThat(first.get("label").toLongArray()).containsExactly(0, 1);
    }
  }

  private static ColumnLayout layout(String name, int k, Random rnd) {
    return switch (name) {
      case "automatic" -> ColumnLayout.automatic();
      case "list" -> ColumnLayout.list();
      case "fixedShapeTensor" -> ColumnLayout.fixedShapeTensor();
      default -> {
        List<Integer> p = new ArrayList<>();
        for (int i = 0; i < k; i++) {
          p.add(i);
        }
        Collections.shuffle(p, rnd);
        yield ColumnLayout.fixedShapeTensor(null, p.stream().mapToInt(Integer::intValue).toArray());
      }
    };
  }
}
