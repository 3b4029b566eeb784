package org.vmap4j.arrow;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
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
import org.apache.arrow.vector.ValueVector;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.complex.ListVector;
import org.vmap4j.DType;
import org.vmap4j.Tensor;

/**
 * Every supported column type against references built element by element with Arrow's own setters
 * and read with its getters, for random dtypes, shapes (zero rows and zero-sized dimensions
 * included) and data (NaN payloads and infinities included). Each try closes its allocator, which
 * fails on any leaked buffer.
 */
class ColumnRoundTripTest {
  @Provide
  Arbitrary<DType> dtypes() {
    return Arbitraries.of(DType.values());
  }

  @Provide
  Arbitrary<int[]> rowShapes() {
    return Arbitraries.integers().between(0, 4).array(int[].class).ofMinSize(1).ofMaxSize(3);
  }

  @Provide
  Arbitrary<int[]> tensorShapes() {
    return Arbitraries.integers().between(0, 4).array(int[].class).ofMinSize(0).ofMaxSize(3);
  }

  @Property(tries = 200)
  void primitiveColumnsReadAsArrowsGettersSee(
      @ForAll("dtypes") DType dtype, @ForAll @IntRange(max = 40) int rows, @ForAll long seed) {
    Object data = Columns.randomData(dtype, rows, new Random(seed));
    try (BufferAllocator allocator = new RootAllocator();
        FieldVector column = Columns.primitive("x", dtype, data, allocator)) {
      Tensor t = ArrowTensors.toTensor(column);
      assertThat(t.shape()).containsExactly(rows);
      assertThat(t.dtype()).isEqualTo(dtype);
      Columns.assertSameElements(Columns.elements(t), data);
    }
  }

  @Property(tries = 200)
  void vectorsWrittenFromTensorsHoldTheirElements(
      @ForAll("dtypes") DType dtype, @ForAll @IntRange(max = 40) int rows, @ForAll long seed) {
    Object data = Columns.randomData(dtype, rows, new Random(seed));
    try (BufferAllocator allocator = new RootAllocator();
        FieldVector column = ArrowTensors.toVector("x", Tensor.wrap(data, rows), allocator)) {
      assertThat(column.getField().getType()).isEqualTo(Columns.arrowType(dtype));
      assertThat(column.getValueCount()).isEqualTo(rows);
      assertThat(column.getNullCount()).isZero();
      Columns.assertSameElements(Columns.get(column, rows), data);
    }
  }

  @Property(tries = 200)
  void nestedFixedSizeListsRoundTrip(
      @ForAll("dtypes") DType dtype,
      @ForAll @IntRange(max = 12) int rows,
      @ForAll("rowShapes") int[] rowShape,
      @ForAll long seed) {
    int total = rows * Columns.size(rowShape);
    Object data = Columns.randomData(dtype, total, new Random(seed));
    try (BufferAllocator allocator = new RootAllocator()) {
      try (FixedSizeListVector column =
          Columns.fixedSizeList("x", dtype, rows, rowShape, data, allocator)) {
        Tensor t = ArrowTensors.toTensor(column);
        assertThat(t.shape()).containsExactly(Columns.prepend(rows, rowShape));
        Columns.assertSameElements(Columns.elements(t), data);
      }
      Tensor tensor = Tensor.wrap(data, Columns.prepend(rows, rowShape));
      try (FieldVector column = ArrowTensors.toVector("x", tensor, allocator)) {
        assertThat(Columns.types(column.getField()))
            .isEqualTo(Columns.types(Columns.fixedSizeListField("x", dtype, rowShape)));
        ValueVector v = column;
        int count = rows;
        while (v instanceof FixedSizeListVector level) {
          assertThat(level.getValueCount()).isEqualTo(count);
          assertThat(level.getNullCount()).isZero();
          count *= level.getListSize();
          v = level.getDataVector();
        }
        assertThat(v.getValueCount()).isEqualTo(total);
        assertThat(v.getNullCount()).isZero();
        Columns.assertSameElements(Columns.get(v, total), data);
        Columns.assertSameElements(Columns.elements(ArrowTensors.toTensor(column)), data);
      }
    }
  }

  @Property(tries = 200)
  void listsOfEqualLengthRoundTrip(
      @ForAll("dtypes") DType dtype,
      @ForAll @IntRange(max = 15) int rows,
      @ForAll @IntRange(max = 6) int d,
      @ForAll long seed) {
    Object data = Columns.randomData(dtype, rows * d, new Random(seed));
    int[] lengths = new int[rows];
    java.util.Arrays.fill(lengths, d);
    try (BufferAllocator allocator = new RootAllocator()) {
      try (ListVector column = Columns.list("x", dtype, lengths, null, data, allocator)) {
        Tensor t = ArrowTensors.toTensor(column);
        // Zero rows carry no length: the documented result is [0, 0].
        assertThat(t.shape()).containsExactly(rows, rows == 0 ? 0 : d);
        Columns.assertSameElements(Columns.elements(t), data);
      }
      Tensor tensor = Tensor.wrap(data, rows, d);
      try (FieldVector column =
          ArrowTensors.toVector("x", tensor, ColumnLayout.list(), allocator)) {
        ListVector list = (ListVector) column;
        assertThat(list.getValueCount()).isEqualTo(rows);
        assertThat(list.getNullCount()).isZero();
        for (int i = 0; i < rows; i++) {
          assertThat(list.getElementStartIndex(i)).isEqualTo(i * d);
          assertThat(list.getElementEndIndex(i)).isEqualTo((i + 1) * d);
        }
        Columns.assertSameElements(Columns.get(list.getDataVector(), rows * d), data);
      }
    }
  }

  @Property(tries = 200)
  void fixedShapeTensorsStoreThePhysicalLayoutAndReadBackTheLogicalOne(
      @ForAll("dtypes") DType dtype,
      @ForAll @IntRange(max = 8) int rows,
      @ForAll("tensorShapes") int[] logical,
      @ForAll boolean permute,
      @ForAll boolean named,
      @ForAll long seed) {
    Random rnd = new Random(seed);
    int k = logical.length;
    int[] perm = null;
    if (permute) {
      List<Integer> p = new ArrayList<>();
      for (int i = 0; i < k; i++) {
        p.add(i);
      }
      Collections.shuffle(p, rnd);
      perm = p.stream().mapToInt(Integer::intValue).toArray();
    }
    List<String> names = null;
    if (named) {
      names = new ArrayList<>();
      for (int i = 0; i < k; i++) {
        names.add("d" + i);
      }
    }
    int size = Columns.size(logical);
    Object data = Columns.randomData(dtype, rows * size, rnd);
    // physical[perm[i]] = logical[i]
    int[] physical = logical.clone();
    if (perm != null) {
      for (int i = 0; i < k; i++) {
        physical[perm[i]] = logical[i];
      }
    }
    Tensor tensor = Tensor.wrap(data, Columns.prepend(rows, logical));
    try (BufferAllocator allocator = new RootAllocator();
        FieldVector column =
            ArrowTensors.toVector(
                "t", tensor, ColumnLayout.fixedShapeTensor(names, perm), allocator)) {
      assertThat(column).isInstanceOf(FixedShapeTensorVector.class);
      FixedShapeTensorType type = ((FixedShapeTensorVector) column).tensorType();
      assertThat(type.shape()).containsExactly(physical);
      assertThat(type.logicalShape()).containsExactly(logical);
      assertThat(type.dimNames().orElse(null)).isEqualTo(names);
      FixedSizeListVector storage = ((FixedShapeTensorVector) column).getUnderlyingVector();
      assertThat(storage.getListSize()).isEqualTo(size);

      // Reference: stored element p of a row is logical element l with l[i] = p[perm[i]].
      Object expected =
          java.lang.reflect.Array.newInstance(data.getClass().getComponentType(), rows * size);
      for (int r = 0; r < rows; r++) {
        for (int flatP = 0; flatP < size; flatP++) {
          int[] p = unravel(flatP, physical);
          int[] l = new int[k];
          for (int i = 0; i < k; i++) {
            l[i] = p[perm == null ? i : perm[i]];
          }
          java.lang.reflect.Array.set(
              expected,
              r * size + flatP,
              java.lang.reflect.Array.get(data, r * size + ravel(l, logical)));
        }
      }
      Columns.assertSameElements(Columns.get(storage.getDataVector(), rows * size), expected);

      Tensor back = ArrowTensors.toTensor(column);
      assertThat(back.shape()).containsExactly(Columns.prepend(rows, logical));
      Columns.assertSameElements(Columns.elements(back), data);
    }
  }

  @Property(tries = 100)
  void writingIntoAnUsedVectorReplacesItsContents(
      @ForAll("dtypes") DType dtype,
      @ForAll @IntRange(max = 30) int rows1,
      @ForAll @IntRange(max = 30) int rows2,
      @ForAll("rowShapes") int[] rowShape,
      @ForAll long seed) {
    Random rnd = new Random(seed);
    int size = Columns.size(rowShape);
    Tensor first =
        Tensor.wrap(Columns.randomData(dtype, rows1 * size, rnd), Columns.prepend(rows1, rowShape));
    Object data2 = Columns.randomData(dtype, rows2 * size, rnd);
    Tensor second = Tensor.wrap(data2, Columns.prepend(rows2, rowShape));
    for (ColumnLayout layout : List.of(ColumnLayout.automatic(), ColumnLayout.fixedShapeTensor())) {
      try (BufferAllocator allocator = new RootAllocator();
          FieldVector column = ArrowTensors.toVector("x", first, layout, allocator)) {
        ArrowTensors.writeInto(second, column);
        assertThat(column.getValueCount()).isEqualTo(rows2);
        Tensor back = ArrowTensors.toTensor(column);
        assertThat(back.shape()).containsExactly(Columns.prepend(rows2, rowShape));
        Columns.assertSameElements(Columns.elements(back), data2);
      }
    }
    if (rowShape.length == 1 && rows2 > 0) {
      try (BufferAllocator allocator = new RootAllocator();
          FieldVector column = ArrowTensors.toVector("x", first, ColumnLayout.list(), allocator)) {
        ArrowTensors.writeInto(second, column);
        Columns.assertSameElements(Columns.elements(ArrowTensors.toTensor(column)), data2);
      }
    }
  }

  static int[] unravel(int flat, int[] shape) {
    int[] idx = new int[shape.length];
    for (int d = shape.length - 1; d >= 0; d--) {
      idx[d] = flat % shape[d];
      flat /= shape[d];
    }
    return idx;
  }

  static int ravel(int[] idx, int[] shape) {
    int flat = 0;
    for (int d = 0; d < shape.length; d++) {
      flat = flat * shape[d] + idx[d];
    }
    return flat;
  }
}
