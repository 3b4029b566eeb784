package org.vmap4j.arrow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.complex.ListVector;
import org.vmap4j.DType;

/** List columns whose rows differ in length, against the first offending row found by a loop. */
class RaggedListTest {
  @Property(tries = 300)
  void raggedListsNameTheFirstOffendingRowAndBothLengths(
      @ForAll @IntRange(min = 1, max = 15) int rows,
      @ForAll @IntRange(max = 4) int d,
      @ForAll boolean withNullRows,
      @ForAll long seed) {
    Random rnd = new Random(seed);
    int[] lengths = new int[rows];
    boolean[] nullRows = new boolean[rows];
    int elements = 0;
    for (int i = 0; i < rows; i++) {
      nullRows[i] = withNullRows && rnd.nextInt(4) == 0;
      lengths[i] = rnd.nextInt(3) == 0 ? rnd.nextInt(6) : d;
      elements += nullRows[i] ? 0 : lengths[i];
    }
    // Reference: the first present row sets the length; the first present row that differs fails.
    int reference = -1;
    int offending = -1;
    for (int i = 0; i < rows && offending < 0; i++) {
      if (nullRows[i]) {
        continue;
      }
      if (reference < 0) {
        reference = i;
      } else if (lengths[i] != lengths[reference]) {
        offending = i;
      }
    }
    Object data = Columns.randomData(DType.F64, elements, rnd);
    try (BufferAllocator allocator = new RootAllocator();
        ListVector column = Columns.list("arr", DType.F64, lengths, nullRows, data, allocator)) {
      ReadOptions fill = ReadOptions.strict().fillNulls(0);
      if (offending < 0) {
        ColumnTensor read = ArrowTensors.read(column, fill);
        int width = reference < 0 ? 0 : lengths[reference];
        assertThat(read.values().shape()).containsExactly(rows, width);
        return;
      }
      RaggedListException e =
          catchThrowableOfType(RaggedListException.class, () -> ArrowTensors.read(column, fill));
      assertThat(e).isNotNull();
      assertThat(e.column()).isEqualTo("arr");
      assertThat(e.row()).isEqualTo(offending);
      assertThat(e.actualLength()).isEqualTo(lengths[offending]);
      assertThat(e.expectedLength()).isEqualTo(lengths[reference]);
      assertThat(e.getMessage())
          .contains("'arr'")
          .contains("row " + offending + " has " + lengths[offending] + " elements")
          .contains("row " + reference + " has " + lengths[reference]);
    }
  }
}
