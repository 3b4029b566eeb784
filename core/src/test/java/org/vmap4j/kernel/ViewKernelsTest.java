package org.vmap4j.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.vmap4j.DType;
import org.vmap4j.TensorType;
import org.vmap4j.cpu.CpuTensor;
import org.vmap4j.interpreter.Params;
import org.vmap4j.prim.Gather;

/**
 * The view-based kernels of the indexed primitives, rendered by the CPU
 * (org.vmap4j.cpu.ViewKernels) through the primitives' own descriptions, against plain loops over
 * multi-indices written here.
 */
class ViewKernelsTest {
  private final Random random = new Random(20261206);

  /**
   * gather with paired batch dimensions, dimensions before and after the axis, size-0 and size-1
   * extents, i32 and i64 indices, and an operand that is a transposed (non-contiguous) view.
   */
  @Test
  void gatherMatchesAPlainLoop() {
    for (int trial = 0; trial < 200; trial++) {
      GatherCase c = GatherCase.random(random);
      double[] xv = random.doubles(size(c.xs())).toArray();
      CpuTensor x = transposedView(xv, c.xs());
      Params p = c.params();
      TensorType out = Gather.GATHER.inferType(new TensorType[] {x.type(), c.indices().type()}, p);
      CpuTensor got = Gather.GATHER.evaluate(new CpuTensor[] {x, c.indices()}, p, out);
      int[] os = out.shape();
      forEachIndex(
          os,
          o ->
              assertThat(got.getDouble(flat(os, o)))
                  .as("gather %s at %s", c, java.util.Arrays.toString(o))
                  .isEqualTo(xv[flat(c.xs(), c.operandIndex(o))]));
    }
  }

  /**
   * Every index is checked, in flat order, also one that no element reads (here the slices are
   * empty): the error names the first one outside and where it is.
   */
  @Test
  void gatherReportsTheFirstIndexOutsideItsBound() {
    CpuTensor x = CpuTensor.wrap(DType.F32, new float[0], 3, 0);
    CpuTensor idx = CpuTensor.wrap(DType.I32, new int[] {1, 5, -1}, 3);
    Params p = Gather.params(0, 0);
    TensorType out = Gather.GATHER.inferType(new TensorType[] {x.type(), idx.type()}, p);
    assertThatThrownBy(() -> Gather.GATHER.evaluate(new CpuTensor[] {x, idx}, p, out))
        .isInstanceOf(IndexOutOfBoundsException.class)
        .hasMessage("gather: index 5 at flat position 1 of the indices i32[3] is outside [0, 3)");
  }

  /**
   * An eager gather that states the same description again reuses its merged layout and loop
   * (org.vmap4j.cpu.PreparedKernels): each call must still read its own indices and its own input's
   * offset, and a description of another shape with the same loop structure must not take the first
   * one's sizes.
   */
  @Test
  void aRepeatedGatherReadsItsOwnIndicesOffsetsAndSizes() {
    float[] table = new float[12 * 4];
    for (int k = 0; k < table.length; k++) {
      table[k] = k;
    }
    int[][] rounds = {{0, 11, 3}, {2, 2, 7}, {10, 0, 5}};
    for (int round = 0; round < rounds.length; round++) {
      int[] ids = rounds[round];
      // rows 1..10 of the table as a row-offset view in odd rounds, the whole table otherwise
      int firstRow = round % 2 == 1 ? 1 : 0;
      int rows = round % 2 == 1 ? 10 : 12;
      CpuTensor x =
          CpuTensor.wrap(DType.F32, table, 12, 4)
              .view(new int[] {rows, 4}, new int[] {4, 1}, 4 * firstRow);
      int[] used = java.util.Arrays.stream(ids).map(v -> Math.min(v, rows - 1)).toArray();
      for (int width : new int[] {4, 2}) {
        CpuTensor xs =
            width == 4 ? x : x.view(new int[] {rows, 2}, new int[] {4, 1}, 4 * firstRow + 1);
        CpuTensor idx = CpuTensor.wrap(DType.I32, used, 3);
        Params p = Gather.params(0, 0);
        TensorType out = Gather.GATHER.inferType(new TensorType[] {xs.type(), idx.type()}, p);
        CpuTensor got = Gather.GATHER.evaluate(new CpuTensor[] {xs, idx}, p, out);
        for (int i = 0; i < 3; i++) {
          for (int j = 0; j < width; j++) {
            int column = width == 4 ? j : j + 1;
            assertThat(got.getDouble(i * width + j))
                .as("round %d, width %d, element [%d, %d]", round, width, i, j)
                .isEqualTo(table[(firstRow + used[i]) * 4 + column]);
          }
        }
      }
    }
  }

  /** A description whose views do not fit its inputs is refused, naming the view. */
  @Test
  void viewsThatDoNotFitTheKernelAreRefused() {
    View wrongRank = View.strided(new int[] {4}, new int[] {1}, 0);
    assertThatThrownBy(() -> copyKernel(new int[] {2, 2}, List.of(DType.F32), List.of(wrongRank)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("the view of x0 has 1 strides for 2 dimensions");
    View floatIndices =
        new View(new int[] {4}, new int[] {1}, 0, List.of(new IndexLoad(1, 1, 4, "test")));
    assertThatThrownBy(
            () ->
                copyKernel(
                    new int[] {4},
                    List.of(DType.F32, DType.F32),
                    List.of(floatIndices, View.CONTIGUOUS)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("it must be another input, of i32 or i64");
  }

  /**
   * The kernel that copies x0 (an F32) over {@code shape}, its inputs of {@code dtypes} read
   * through {@code views}: the descriptions of the refusal tests, which check the views alone.
   */
  static KernelDescription copyKernel(int[] shape, List<DType> dtypes, List<View> views) {
    return new KernelDescription(List.of(), "x0", DType.F32, dtypes, shape, null, 0, views);
  }

  /** The operand's elements in a row-major array of the transposed shape, seen through a view. */
  static CpuTensor transposedView(double[] values, int[] shape) {
    int r = shape.length;
    int[] reversed = new int[r];
    for (int d = 0; d < r; d++) {
      reversed[d] = shape[r - 1 - d];
    }
    double[] stored = new double[values.length];
    int[] rs = contiguousStrides(reversed);
    forEachIndex(
        shape,
        i -> {
          int at = 0;
          for (int d = 0; d < r; d++) {
            at += i[d] * rs[r - 1 - d];
          }
          stored[at] = values[flat(shape, i)];
        });
    int[] strides = new int[r];
    for (int d = 0; d < r; d++) {
      strides[d] = rs[r - 1 - d];
    }
    return CpuTensor.wrap(DType.F64, stored, reversed).view(shape, strides, 0);
  }

  private static int[] contiguousStrides(int[] shape) {
    int[] s = new int[shape.length];
    int acc = 1;
    for (int d = shape.length - 1; d >= 0; d--) {
      s[d] = acc;
      acc *= shape[d];
    }
    return s;
  }

  static int size(int[] shape) {
    int n = 1;
    for (int d : shape) {
      n *= d;
    }
    return n;
  }

  static int flat(int[] shape, int[] idx) {
    int f = 0;
    for (int d = 0; d < shape.length; d++) {
      f = f * shape[d] + idx[d];
    }
    return f;
  }

  static void forEachIndex(int[] shape, java.util.function.Consumer<int[]> body) {
    int n = size(shape);
    int[] idx = new int[shape.length];
    for (int k = 0; k < n; k++) {
      int rem = k;
      for (int d = shape.length - 1; d >= 0; d--) {
        idx[d] = rem % shape[d];
        rem /= shape[d];
      }
      body.accept(idx.clone());
    }
  }
}
