package org.vmap4j.cpu;

import java.util.Arrays;

/**
 * Walks several strided operands of one shape row by row, after merging adjacent dimensions that
 * are laid out contiguously for every operand, so that kernels see the longest possible rows.
 */
final class Strided {
  private Strided() {}

  /** Receives one row: each operand's offset of its first element, and the row length. */
  interface RowVisitor {
    void row(int[] offsets, int length);
  }

  /** Shape and per-operand strides after merging dimensions; size-1 dimensions are dropped. */
  record Layout(int[] shape, int[][] strides) {
    int innerStride(int operand) {
      return shape.length == 0 ? 1 : strides[operand][shape.length - 1];
    }
  }

  static Layout coalesce(int[] shape, int[][] strides) {
    int ops = strides.length;
    int[] s = new int[shape.length];
    int[][] st = new int[ops][shape.length];
    int n = 0;
    for (int d = 0; d < shape.length; d++) {
      if (shape[d] == 1) {
        continue;
      }
      boolean merge = n > 0;
      for (int k = 0; k < ops && merge; k++) {
        merge = st[k][n - 1] == strides[k][d] * shape[d];
      }
      if (merge) {
        s[n - 1] *= shape[d];
        for (int k = 0; k < ops; k++) {
          st[k][n - 1] = strides[k][d];
        }
      } else {
        s[n] = shape[d];
        for (int k = 0; k < ops; k++) {
          st[k][n] = strides[k][d];
        }
        n++;
      }
    }
    int[][] out = new int[ops][];
    for (int k = 0; k < ops; k++) {
      out[k] = Arrays.copyOf(st[k], n);
    }
    return new Layout(Arrays.copyOf(s, n), out);
  }

  /** Visits every row of the (coalesced) layout with the operands' row offsets. */
  static void forEachRow(Layout layout, int[] baseOffsets, RowVisitor visitor) {
    int[] shape = layout.shape();
    int ops = baseOffsets.length;
    if (shape.length == 0) {
      visitor.row(baseOffsets.clone(), 1);
      return;
    }
    for (int d : shape) {
      if (d == 0) {
        return;
      }
    }
    int outer = shape.length - 1;
    int rowLength = shape[outer];
    int[] index = new int[outer];
    int[] offsets = baseOffsets.clone();
    while (true) {
      visitor.row(offsets, rowLength);
      int d = outer - 1;
      while (d >= 0) {
        index[d]++;
        for (int k = 0; k < ops; k++) {
          offsets[k] += layout.strides()[k][d];
        }
        if (index[d] < shape[d]) {
          break;
        }
        for (int k = 0; k < ops; k++) {
          offsets[k] -= layout.strides()[k][d] * shape[d];
        }
        index[d] = 0;
        d--;
      }
      if (d < 0) {
        return;
      }
    }
  }

  /** Copies {@code n} elements with strides; arrays are of the same primitive type. */
  static void copyRow(
      Object src, int srcOff, int srcStride, Object dst, int dstOff, int dstStride, int n) {
    if (srcStride == 1 && dstStride == 1) {
      System.arraycopy(src, srcOff, dst, dstOff, n);
    } else if (src instanceof double[] a) {
      double[] b = (double[]) dst;
      for (int i = 0; i < n; i++) {
        b[dstOff + i * dstStride] = a[srcOff + i * srcStride];
      }
    } else if (src instanceof float[] a) {
      float[] b = (float[]) dst;
      for (int i = 0; i < n; i++) {
        b[dstOff + i * dstStride] = a[srcOff + i * srcStride];
      }
    } else if (src instanceof int[] a) {
      int[] b = (int[]) dst;
      for (int i = 0; i < n; i++) {
        b[dstOff + i * dstStride] = a[srcOff + i * srcStride];
      }
    } else if (src instanceof long[] a) {
      long[] b = (long[]) dst;
      for (int i = 0; i < n; i++) {
        b[dstOff + i * dstStride] = a[srcOff + i * srcStride];
      }
    } else {
      boolean[] a = (boolean[]) src;
      boolean[] b = (boolean[]) dst;
      for (int i = 0; i < n; i++) {
        b[dstOff + i * dstStride] = a[srcOff + i * srcStride];
      }
    }
  }

  /** Copies a strided tensor into a strided destination of the same shape and dtype. */
  static void copy(CpuTensor src, Object dst, int dstOffset, int[] dstStrides) {
    Layout layout = coalesce(src.shapeArray(), new int[][] {src.strides(), dstStrides});
    int ss = layout.innerStride(0);
    int ds = layout.innerStride(1);
    Object data = src.data();
    forEachRow(
        layout,
        new int[] {src.offset(), dstOffset},
        (off, n) -> copyRow(data, off[0], ss, dst, off[1], ds, n));
  }
}
