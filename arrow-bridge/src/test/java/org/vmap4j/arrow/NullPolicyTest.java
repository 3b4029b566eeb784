package org.vmap4j.arrow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BaseFixedWidthVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.ValueVector;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.complex.ListVector;
import org.junit.jupiter.api.Test;
import org.vmap4j.DType;
import org.vmap4j.Tensor;

/**
 * Nulls at every level (row, inner FixedSizeList entry, element), the strict default (an error
 * naming the column and the first row with a null) and the fill option with its validity mask, all
 * against masks computed here with plain loops; and NaN and infinities, which pass through unless
 * rejected.
 */
class NullPolicyTest {
  private static final double FILL = -7;

  @Provide
  Arbitrary<DType> dtypes() {
    return Arbitraries.of(DType.values());
  }

  @Provide
  Arbitrary<int[]> rowShapes() {
    return Arbitraries.integers().between(1, 3).array(int[].class).ofMinSize(0).ofMaxSize(2);
  }

  @Property(tries = 300)
  void nullsAtAnyLevelAreErrorsOrFilledWithAMask(
      @ForAll("dtypes") DType dtype,
      @ForAll @IntRange(min = 1, max = 12) int rows,
      @ForAll("rowShapes") int[] rowShape,
      @ForAll long seed) {
    Random rnd = new Random(seed);
    int rowSize = Columns.size(rowShape);
    int total = rows * rowSize;
    Object data = Columns.randomData(dtype, total, rnd);
    boolean[] present = new boolean[total];
    java.util.Arrays.fill(present, true);
    try (BufferAllocator allocator = new RootAllocator()) {
      FieldVector column =
          rowShape.length == 0
              ? Columns.primitive("col", dtype, data, allocator)
              : Columns.fixedSizeList("col", dtype, rows, rowShape, data, allocator);
      try (column) {
        // Null some entries of every level; an entry of level j covers span_j elements.
        ValueVector v = column;
        int count = rows;
        int span = rowSize;
        while (true) {
          for (int e = 0; e < count; e++) {
            if (rnd.nextInt(10) == 0) {
              setNull(v, e);
              java.util.Arrays.fill(present, e * span, (e + 1) * span, false);
            }
          }
          if (!(v instanceof FixedSizeListVector level)) {
            break;
          }
          count *= level.getListSize();
          span /= level.getListSize();
          v = level.getDataVector();
        }
        int firstNullRow = -1;
        for (int k = 0; k < total && firstNullRow < 0; k++) {
          if (!present[k]) {
            firstNullRow = k / rowSize;
          }
        }
        checkPolicies(column, dtype, data, present, rows, rowSize, firstNullRow);
      }
    }
  }

  @Property(tries = 300)
  void listNullsAreErrorsOrFilledWithAMask(
      @ForAll("dtypes") DType dtype,
      @ForAll @IntRange(min = 1, max = 12) int rows,
      @ForAll @IntRange(min = 1, max = 4) int d,
      @ForAll long seed) {
    Random rnd = new Random(seed);
    boolean[] nullRows = new boolean[rows];
    int[] lengths = new int[rows];
    int nonNull = 0;
    for (int i = 0; i < rows; i++) {
      nullRows[i] = rnd.nextInt(5) == 0;
      // Arrow writers give a null row no elements, which breaks the back-to-back layout.
      lengths[i] = nullRows[i] ? 0 : d;
      nonNull += nullRows[i] ? 0 : 1;
    }
    Object stored = Columns.randomData(dtype, nonNull * d, rnd);
    Object data =
        java.lang.reflect.Array.newInstance(stored.getClass().getComponentType(), rows * d);
    boolean[] present = new boolean[rows * d];
    try (BufferAllocator allocator = new RootAllocator();
        ListVector column = Columns.list("col", dtype, lengths, nullRows, stored, allocator)) {
      int k = 0;
      for (int i = 0; i < rows; i++) {
        for (int j = 0; j < d && !nullRows[i]; j++, k++) {
          java.lang.reflect.Array.set(data, i * d + j, java.lang.reflect.Array.get(stored, k));
          present[i * d + j] = true;
          if (rnd.nextInt(8) == 0) {
            setNull(column.getDataVector(), k);
            present[i * d + j] = false;
          }
        }
      }
      int firstNullRow = -1;
      for (int i = 0; i < rows * d && firstNullRow < 0; i++) {
        if (!present[i]) {
          firstNullRow = i / d;
        }
      }
      boolean anyPresentRow = nonNull > 0;
      if (anyPresentRow) {
        checkPolicies(column, dtype, data, present, rows, d, firstNullRow);
      }
    }
  }

  private static void checkPolicies(
      FieldVector column,
      DType dtype,
      Object data,
      boolean[] present,
      int rows,
      int rowSize,
      int firstNullRow) {
    if (firstNullRow >= 0) {
      NullValueException e =
          catchThrowableOfType(NullValueException.class, () -> ArrowTensors.toTensor(column));
      assertThat(e).isNotNull();
      assertThat(e.column()).isEqualTo("col");
      assertThat(e.row()).isEqualTo(firstNullRow);
      assertThat(e.getMessage()).contains("'col'").contains("row " + firstNullRow);
    } else {
      Columns.assertSameElements(Columns.elements(ArrowTensors.toTensor(column)), data);
    }

    double fill = dtype == DType.BOOL ? 1 : FILL;
    ColumnTensor read = ArrowTensors.read(column, ReadOptions.strict().fillNulls(fill));
    Object expected =
        java.lang.reflect.Array.newInstance(data.getClass().getComponentType(), present.length);
    for (int k = 0; k < present.length; k++) {
      Object value = java.lang.reflect.Array.get(data, k);
      if (!present[k]) {
        value =
            switch (dtype) {
              case F32 -> (float) fill;
              case F64 -> fill;
              case I32 -> (int) fill;
              case I64 -> (long) fill;
              case BOOL -> fill == 1;
            };
      }
      java.lang.reflect.Array.set(expected, k, value);
    }
    Columns.assertSameElements(Columns.elements(read.values()), expected);
    assertThat(read.validity()).isPresent();
    assertThat(read.validity().get().shape()).isEqualTo(read.values().shape());
    assertThat(read.validity().get().toBooleanArray()).isEqualTo(present);
    boolean[] rowsPresent = new boolean[rows];
    int nulls = 0;
    for (int r = 0; r < rows; r++) {
      rowsPresent[r] = true;
      for (int j = 0; j < rowSize; j++) {
        rowsPresent[r] &= present[r * rowSize + j];
        nulls += present[r * rowSize + j] ? 0 : 1;
      }
    }
    assertThat(read.rowValidity().orElseThrow().toBooleanArray()).isEqualTo(rowsPresent);
    assertThat(read.nullCount()).isEqualTo(nulls);
  }

  private static void setNull(ValueVector v, int index) {
    if (v instanceof FixedSizeListVector f) {
      f.setNull(index);
    } else if (v instanceof ListVector l) {
      l.setNull(index);
    } else {
      ((BaseFixedWidthVector) v).setNull(index);
    }
  }

  @Test
  void aColumnWithoutNullsReadWithFillHasAnAllTrueMask() {
    try (BufferAllocator allocator = new RootAllocator();
        FieldVector column = Columns.primitive("c", DType.I64, new long[] {4, 5, 6}, allocator)) {
      ColumnTensor read = ArrowTensors.read(column, ReadOptions.strict().fillNulls(0));
      assertThat(read.values().toLongArray()).containsExactly(4, 5, 6);
      assertThat(read.validity().orElseThrow().toBooleanArray()).containsExactly(true, true, true);
      assertThat(read.nullCount()).isZero();
      // The strict read carries no mask at all.
      assertThat(ArrowTensors.read(column, ReadOptions.strict()).validity()).isEmpty();
    }
  }

  @Test
  void fillValuesMustFitTheColumnsDtype() {
    try (BufferAllocator allocator = new RootAllocator();
        IntVector ints = new IntVector("ints", allocator);
        FieldVector bools =
            Columns.primitive("flags", DType.BOOL, new boolean[] {true, false}, allocator)) {
      ints.allocateNew(2);
      ints.set(0, 1);
      ints.setNull(1);
      ints.setValueCount(2);
      ((BaseFixedWidthVector) bools).setNull(0);
      assertThatThrownBy(() -> ArrowTensors.read(ints, ReadOptions.strict().fillNulls(0.5)))
          .isInstanceOf(ArrowConversionException.class)
          .hasMessageContaining("'ints'")
          .hasMessageContaining("fill value 0.5");
      assertThatThrownBy(() -> ArrowTensors.read(bools, ReadOptions.strict().fillNulls(2)))
          .hasMessageContaining("'flags'")
          .hasMessageContaining("use 0 or 1");
      assertThat(ArrowTensors.read(ints, ReadOptions.strict().fillNulls(-3)).values().toIntArray())
          .containsExactly(1, -3);
    }
  }

  @Test
  void nanAndInfinitiesPassThroughBitForBitUnlessRejected() {
    float[] values = Columns.SPECIAL_FLOATS.clone();
    try (BufferAllocator allocator = new RootAllocator();
        FieldVector column = Columns.primitive("f", DType.F32, values, allocator)) {
      Tensor t = ArrowTensors.toTensor(column);
      Columns.assertSameElements(t.toFloatArray(), values);
      NonFiniteValueException e =
          catchThrowableOfType(
              NonFiniteValueException.class,
              () -> ArrowTensors.read(column, ReadOptions.strict().rejectNonFinite()));
      assertThat(e.row()).isZero();
      assertThat(e.getMessage()).contains("'f'").contains("NaN").contains("row 0");
    }
    try (BufferAllocator allocator = new RootAllocator();
        FieldVector column =
            ArrowTensors.toVector("g", Tensor.of(Columns.SPECIAL_DOUBLES), allocator)) {
      Columns.assertSameElements(
          Columns.get(column, Columns.SPECIAL_DOUBLES.length), Columns.SPECIAL_DOUBLES);
    }
  }

  @Test
  void rejectingNonFiniteValuesIgnoresFilledNullsAndNamesTheRow() {
    try (BufferAllocator allocator = new RootAllocator();
        Float4Vector column = new Float4Vector("f", allocator)) {
      column.allocateNew(4);
      column.set(0, 1f);
      column.setNull(1);
      column.set(2, 2f);
      column.set(3, Float.NEGATIVE_INFINITY);
      column.setValueCount(4);
      ReadOptions options = ReadOptions.strict().fillNulls(Double.NaN).rejectNonFinite();
      NonFiniteValueException e =
          catchThrowableOfType(
              NonFiniteValueException.class, () -> ArrowTensors.read(column, options));
      assertThat(e.row()).isEqualTo(3);
      column.set(3, 3f);
      float[] read = ArrowTensors.read(column, options).values().toFloatArray();
      assertThat(read[0]).isEqualTo(1f);
      assertThat(read[1]).isNaN();
      assertThat(read[3]).isEqualTo(3f);
    }
  }
}
