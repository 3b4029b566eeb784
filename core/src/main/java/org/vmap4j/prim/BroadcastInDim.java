package org.vmap4j.prim;

import org.vmap4j.Tensor;
import org.vmap4j.TensorType;
import org.vmap4j.cpu.CpuTensor;
import org.vmap4j.interpreter.BatchRules;
import org.vmap4j.interpreter.Batched;
import org.vmap4j.interpreter.Interpreters;
import org.vmap4j.interpreter.Params;
import org.vmap4j.interpreter.Shapes;
import org.vmap4j.interpreter.SingleResultPrimitive;
import org.vmap4j.kernel.KernelDescription;
import org.vmap4j.kernel.KernelPrimitive;
import org.vmap4j.kernel.View;

/**
 * Broadcasts an operand to {@code shape}: operand dimension i becomes result dimension {@code
 * dims[i]} (strictly increasing), where it must have the result's size or size 1; all other result
 * dimensions are new. On the CPU this is a view with stride 0: nothing is copied.
 */
public enum BroadcastInDim implements SingleResultPrimitive, KernelPrimitive {
  BROADCAST_IN_DIM;

  public static Params params(int[] shape, int[] dims) {
    return Params.of("shape", shape, "dims", dims);
  }

  @Override
  public TensorType inferType(TensorType[] in, Params p) {
    Binary.requireArity("broadcast_in_dim", in, 1);
    TensorType x = in[0];
    int[] shape = p.ints("shape");
    int[] dims = p.ints("dims");
    boolean ok = dims.length == x.ndim();
    for (int i = 0; ok && i < dims.length; i++) {
      ok = dims[i] >= 0 && dims[i] < shape.length && (i == 0 || dims[i] > dims[i - 1]);
      ok = ok && (x.dim(i) == shape[dims[i]] || x.dim(i) == 1);
    }
    if (!ok) {
      throw new IllegalArgumentException(
          "cannot broadcast "
              + x
              + " to shape "
              + Shapes.str(shape)
              + " with dims "
              + Shapes.str(dims));
    }
    return x.withShape(shape);
  }

  /** A copy reading the operand through {@link #view} (on the CPU, {@link #evaluate} is a view). */
  @Override
  public KernelDescription kernel(TensorType[] in, Params p, TensorType out) {
    return KernelDescription.copy(out.dtype(), out.shape(), null, 0)
        .withViews(java.util.List.of(view(in[0].shape(), p, out.shape())));
  }

  /**
   * Fused element-wise kernels read the operand through {@link #view} (stride 0 where it is new).
   */
  @Override
  public boolean fusesAsView() {
    return true;
  }

  /**
   * How a row-major operand of shape {@code in} is read over the result's shape {@code out}: its
   * own strides along {@code dims}, 0 along new dimensions and along size-1 dimensions stretched to
   * a larger size. Fusion reads broadcast inputs of fused kernels through the same view.
   */
  public View view(int[] in, Params p, int[] out) {
    int[] dims = p.ints("dims");
    int[] contiguous = Shapes.contiguousStrides(in);
    int[] strides = new int[out.length];
    for (int i = 0; i < dims.length; i++) {
      strides[dims[i]] = in[i] == out[dims[i]] ? contiguous[i] : 0;
    }
    return View.strided(in, strides, 0);
  }

  @Override
  public CpuTensor evaluate(CpuTensor[] in, Params p, TensorType out) {
    CpuTensor x = in[0];
    int[] shape = out.shape();
    int[] dims = p.ints("dims");
    int[] xs = x.strides();
    int[] strides = new int[shape.length];
    for (int i = 0; i < dims.length; i++) {
      strides[dims[i]] = x.shape()[i] == shape[dims[i]] ? xs[i] : 0;
    }
    return x.view(shape, strides, x.offset());
  }

  @Override
  public Batched batch(Tensor[] args, int[] dims, Params p, int batchSize) {
    Tensor x = BatchRules.atFront(args[0], dims[0]);
    Params q =
        params(
            BatchRules.prepend(batchSize, p.ints("shape")),
            BatchRules.prepend(0, BatchRules.shifted(p.ints("dims"))));
    return Batched.of(Interpreters.bind1(this, q, x), 0);
  }

  @Override
  public Tensor jvp(Tensor[] primals, Tensor[] tangents, Tensor output, Params params) {
    return Interpreters.bind1(this, params, tangents[0]);
  }

  /** Sums over the new dimensions and over the size-1 dimensions that were stretched. */
  @Override
  public Tensor[] vjp(Tensor[] primals, Tensor output, Tensor cotangent, Params p) {
    Tensor x = primals[0];
    int[] dims = p.ints("dims");
    int[] shape = p.ints("shape");
    java.util.List<Integer> summed = new java.util.ArrayList<>();
    boolean[] kept = new boolean[shape.length];
    for (int i = 0; i < dims.length; i++) {
      kept[dims[i]] = x.shape()[i] == shape[dims[i]];
    }
    for (int d = 0; d < shape.length; d++) {
      if (!kept[d]) {
        summed.add(d);
      }
    }
    Tensor ct = cotangent;
    if (!summed.isEmpty()) {
      int[] axes = summed.stream().mapToInt(Integer::intValue).toArray();
      ct = Interpreters.bind1(Reduce.REDUCE_SUM, Reduce.params(axes), ct);
    }
    return new Tensor[] {ct.reshape(x.shape())};
  }
}
