package org.vmap4j.arrow;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.complex.ListVector;
import org.vmap4j.Tensor;

/**
 * Arrow column to tensor. The values are copied in bulk from the element vector's data buffer into
 * a Java array that the tensor then wraps without a second copy (core's tensors live in Java
 * arrays, so a view over the off-heap buffer is not possible): a fresh array, or the array of a
 * tensor the caller reuses ({@link ReadTarget}). Validity bitmaps are looked at only when Arrow's
 * null count says a level has nulls, and before any value is copied.
 */
final class ColumnReader {
  private ColumnReader() {}

  static ColumnTensor read(FieldVector column, ReadOptions options, ReadTarget target) {
    ColumnStructure s = ColumnStructure.of(column);
    int rows = column.getValueCount();
    return s.kind == ColumnStructure.Kind.LIST
        ? readList(s, rows, options, target)
        : readFixed(s, rows, options, target);
  }

  /** A vector whose validity bitmap marks blocks of {@code span} elements of the output. */
  private record Carrier(FieldVector vector, int count, int perRow, int depth) {}

  private static ColumnTensor readFixed(
      ColumnStructure s, int rows, ReadOptions options, ReadTarget target) {
    int rowSize = s.rowSize();
    int total = elementCount(s, rows, rowSize);
    if (s.leaf.getValueCount() < total) {
      throw new ArrowConversionException(
          s.column,
          "column '"
              + s.column
              + "' has "
              + s.leaf.getValueCount()
              + " elements but its "
              + rows
              + " rows of shape "
              + Arrays.toString(s.rowShape)
              + " need "
              + total);
    }
    // Nulls are looked at before any value is copied, so that a strict read that fails leaves a
    // reused target as it was.
    List<Carrier> carriers = carriers(s, rows, total);
    boolean[] mask = null;
    if (carriers.stream().anyMatch(c -> c.count > 0 && c.vector.getNullCount() > 0)) {
      if (!options.fillsNulls()) {
        throw firstNull(s, carriers);
      }
      boolean[] m = new boolean[total];
      Arrays.fill(m, true);
      for (Carrier c : carriers) {
        if (c.count > 0 && c.vector.getNullCount() > 0) {
          int span = c.perRow == 0 ? 0 : rowSize / c.perRow;
          BulkCopy.forEachNull(
              c.vector.getValidityBuffer(),
              c.count,
              e -> Arrays.fill(m, e * span, e * span + span, false));
        }
      }
      mask = m;
    }
    int[] shape = prepend(rows, s.rowShape);
    Object data = target.array(s, shape, logicalDims(s, shape.length));
    BulkCopy.read(s.leaf.getDataBuffer(), 0, s.dtype, data, 0, total);
    return finish(s, shape, data, mask, options, target);
  }

  /** The validity carriers, outermost first: the FixedSizeList levels, then the leaf. */
  private static List<Carrier> carriers(ColumnStructure s, int rows, int total) {
    List<Carrier> out = new ArrayList<>();
    int count = rows;
    int perRow = 1;
    for (int j = 0; j < s.levels.size(); j++) {
      FixedSizeListVector level = s.levels.get(j);
      // Nested FixedSizeList level j indexes the first j dimensions of a row; a tensor type's
      // single storage level is the row itself.
      out.add(new Carrier(level, count, perRow, j));
      count *= level.getListSize();
      perRow *= level.getListSize();
    }
    out.add(new Carrier(s.leaf, total, rows == 0 ? 0 : total / rows, s.rowShape.length));
    return out;
  }

  private static NullValueException firstNull(ColumnStructure s, List<Carrier> carriers) {
    int bestRow = Integer.MAX_VALUE;
    String bestWhere = "";
    for (Carrier c : carriers) {
      if (c.count == 0 || c.vector.getNullCount() == 0) {
        continue;
      }
      int e = BulkCopy.firstNull(c.vector.getValidityBuffer(), c.count);
      int row = e / c.perRow;
      if (row < bestRow) {
        bestRow = row;
        bestWhere = c.depth == 0 ? "" : where(s, e % c.perRow, c.depth);
      }
    }
    return new NullValueException(s.column, bestRow, bestWhere);
  }

  /** " (element [i, j] of the row)" for position {@code pos} among the first depth dims. */
  private static String where(ColumnStructure s, int pos, int depth) {
    int[] index = new int[depth];
    for (int d = depth - 1; d >= 0; d--) {
      index[d] = pos % s.rowShape[d];
      pos /= s.rowShape[d];
    }
    return " (element "
        + Arrays.toString(index)
        + " of the row"
        + (s.permutation == null ? "" : ", in stored order")
        + ")";
  }

  private static ColumnTensor readList(
      ColumnStructure s, int rows, ReadOptions options, ReadTarget target) {
    ListVector list = s.list;
    int[] offsets = rows == 0 ? new int[] {0} : BulkCopy.readOffsets(list.getOffsetBuffer(), rows);
    boolean rowNulls = rows > 0 && list.getNullCount() > 0;
    int d = -1;
    int referenceRow = -1;
    for (int i = 0; i < rows; i++) {
      if (rowNulls && list.isNull(i)) {
        continue;
      }
      int length = offsets[i + 1] - offsets[i];
      if (d < 0) {
        d = length;
        referenceRow = i;
      } else if (length != d) {
        throw new RaggedListException(s.column, i, length, referenceRow, d);
      }
    }
    d = Math.max(d, 0);
    int total = elementCount(s, rows, d);
    boolean uniform = true;
    for (int i = 0; i <= rows && uniform; i++) {
      uniform = offsets[i] == offsets[0] + (long) i * d;
    }

    boolean[] mask = null;
    boolean leafNulls = s.leaf.getValueCount() > 0 && s.leaf.getNullCount() > 0;
    if (rowNulls || leafNulls) {
      int firstNullRow = rowNulls ? BulkCopy.firstNull(list.getValidityBuffer(), rows) : rows;
      boolean[] m = new boolean[total];
      Arrays.fill(m, true);
      if (rowNulls) {
        final int width = d;
        BulkCopy.forEachNull(
            list.getValidityBuffer(),
            rows,
            r -> Arrays.fill(m, r * width, r * width + width, false));
      }
      int[] firstElementNull = {rows, -1};
      if (leafNulls) {
        final int width = d;
        int[] row = {0};
        BulkCopy.forEachNull(
            s.leaf.getValidityBuffer(),
            s.leaf.getValueCount(),
            k -> {
              while (row[0] < rows && offsets[row[0] + 1] <= k) {
                row[0]++;
              }
              int r = row[0];
              if (r < rows && offsets[r] <= k && !(rowNulls && list.isNull(r))) {
                m[r * width + (k - offsets[r])] = false;
                if (r < firstElementNull[0]) {
                  firstElementNull[0] = r;
                  firstElementNull[1] = k - offsets[r];
                }
              }
            });
      }
      if (!options.fillsNulls() && Math.min(firstNullRow, firstElementNull[0]) < rows) {
        if (firstNullRow <= firstElementNull[0]) {
          throw new NullValueException(s.column, firstNullRow, "");
        }
        throw new NullValueException(
            s.column, firstElementNull[0], " (element [" + firstElementNull[1] + "] of the row)");
      }
      mask = m;
    }

    int[] shape = {rows, d};
    Object data = target.array(s, shape, null);
    if (uniform) {
      // Rows lie back to back: one bulk copy, as for a FixedSizeList.
      BulkCopy.read(s.leaf.getDataBuffer(), offsets[0], s.dtype, data, 0, total);
    } else {
      // Null rows of another length break the run: one bulk copy per present row. The rows left
      // out are null rows, which only a filling read gets past, and it fills them.
      for (int i = 0; i < rows; i++) {
        if (!(rowNulls && list.isNull(i))) {
          BulkCopy.read(s.leaf.getDataBuffer(), offsets[i], s.dtype, data, i * d, d);
        }
      }
    }
    return finish(s, shape, data, mask, options, target);
  }

  private static int elementCount(ColumnStructure s, int rows, int rowSize) {
    long total = (long) rows * rowSize;
    if (total > Arrays2.MAX_ELEMENTS) {
      throw new ArrowConversionException(
          s.column,
          "column '"
              + s.column
              + "' has "
              + total
              + " elements, more than a tensor can hold ("
              + Arrays2.MAX_ELEMENTS
              + ")");
    }
    return (int) total;
  }

  private static ColumnTensor finish(
      ColumnStructure s,
      int[] shape,
      Object data,
      boolean[] mask,
      ReadOptions options,
      ReadTarget target) {
    if (options.fillsNulls()) {
      if (mask == null) {
        mask = new boolean[Arrays2.length(data)];
        Arrays.fill(mask, true);
      } else {
        Arrays2.fill(s.column, s.dtype, data, mask, options.fillValue());
      }
    }
    if (options.rejectsNonFinite() && s.dtype.isFloating()) {
      int bad = Arrays2.firstNonFinite(data, mask);
      if (bad >= 0) {
        int perRow = Arrays2.length(data) / shape[0];
        throw new NonFiniteValueException(s.column, bad / perRow, Arrays2.get(data, bad));
      }
    }
    int[] dims = logicalDims(s, shape.length);
    Tensor values = target.isFresh() ? permuted(Tensor.wrap(data, shape), dims) : target.tensor();
    Tensor validity = mask == null ? null : permuted(Tensor.wrap(mask, shape), dims);
    return new ColumnTensor(s.column, values, Optional.ofNullable(validity));
  }

  private static int[] prepend(int rows, int[] rowShape) {
    int[] shape = new int[rowShape.length + 1];
    shape[0] = rows;
    System.arraycopy(rowShape, 0, shape, 1, rowShape.length);
    return shape;
  }

  /**
   * How the tensor views the stored order: logical dimension i is stored dimension {@code dims[i]}
   * (a fixed_shape_tensor's permutation, shifted past the rows), or null for the stored order.
   */
  private static int[] logicalDims(ColumnStructure s, int ndim) {
    if (s.permutation == null) {
      return null;
    }
    int[] dims = new int[ndim];
    for (int i = 0; i < s.permutation.length; i++) {
      dims[i + 1] = s.permutation[i] + 1;
    }
    return dims;
  }

  private static Tensor permuted(Tensor t, int[] dims) {
    return dims == null ? t : t.permute(dims);
  }
}
