package org.vmap4j.gpu.ptx;

import org.vmap4j.DType;
import org.vmap4j.interpreter.Shapes;
import org.vmap4j.ir.Equation;
import org.vmap4j.kernel.KernelDescription;
import org.vmap4j.prim.BroadcastInDim;
import org.vmap4j.prim.Reduce;
import org.vmap4j.prim.Slice;
import org.vmap4j.prim.Transpose;

/**
 * Single primitives that are a strided read of one contiguous input, rendered with the fused-kernel
 * renderer as a kernel without temporaries: {@code transpose} (permuted strides), {@code
 * broadcast_in_dim} (stride 0 along new dimensions) and {@code reduce_sum/max/min} over any axes
 * (the input seen with the reduced axes moved last, then a trailing reduction), {@code slice} (a
 * base offset and multiplied strides). Without these, each such step would copy its data to the
 * host and back.
 */
public final class StridedPrimitives {
  private StridedPrimitives() {}

  /** The kernel computing {@code e}, or null when {@code e} is not one of these primitives. */
  public static KernelDescription description(Equation e) {
    DType t = e.outputs().get(0).type().dtype();
    int[] out = e.outputs().get(0).type().shape();
    if (e.primitive() == Transpose.TRANSPOSE
        || e.primitive() == BroadcastInDim.BROADCAST_IN_DIM
        || e.primitive() == Slice.SLICE) {
      return KernelDescription.copy(t, out, null, 0);
    }
    if (e.primitive() instanceof Reduce r) {
      int[] in = e.inputs().get(0).type().shape();
      int[] perm = reducedLast(in.length, e.params().ints("axes"));
      return KernelDescription.copy(
          t, Shapes.select(in, perm), r.monoid(), e.params().ints("axes").length);
    }
    return null;
  }

  /** The input's strides over the kernel's iteration shape. */
  static int[] inputStrides(Equation e) {
    int[] in = e.inputs().get(0).type().shape();
    int[] strides = Shapes.contiguousStrides(in);
    if (e.primitive() == Transpose.TRANSPOSE) {
      return Shapes.select(strides, e.params().ints("perm"));
    }
    if (e.primitive() == Slice.SLICE) {
      int[] step = e.params().ints("stride");
      int[] s = new int[in.length];
      for (int d = 0; d < in.length; d++) {
        s[d] = strides[d] * step[d];
      }
      return s;
    }
    if (e.primitive() == BroadcastInDim.BROADCAST_IN_DIM) {
      int[] out = e.outputs().get(0).type().shape();
      int[] dims = e.params().ints("dims");
      int[] s = new int[out.length];
      for (int i = 0; i < dims.length; i++) {
        s[dims[i]] = in[i] == out[dims[i]] ? strides[i] : 0;
      }
      return s;
    }
    return Shapes.select(strides, reducedLast(in.length, e.params().ints("axes")));
  }

  /** The kept axes in order, then the reduced axes in order. */
  private static int[] reducedLast(int ndim, int[] axes) {
    int[] sorted = axes.clone();
    java.util.Arrays.sort(sorted);
    return Shapes.concat(Shapes.complement(ndim, sorted), sorted);
  }

  /** Where the input's first read element is: non-zero for a slice. */
  static int baseOffset(Equation e) {
    if (e.primitive() != Slice.SLICE) {
      return 0;
    }
    int[] start = e.params().ints("start");
    int[] strides = Shapes.contiguousStrides(e.inputs().get(0).type().shape());
    int base = 0;
    for (int d = 0; d < start.length; d++) {
      base += start[d] * strides[d];
    }
    return base;
  }

  public static String render(Equation e) {
    KernelDescription d = description(e);
    return PtxKernelRenderer.render(
        d, java.util.Collections.singletonList(inputStrides(e)), new int[] {baseOffset(e)});
  }
}
