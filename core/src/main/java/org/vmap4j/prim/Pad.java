package org.vmap4j.prim;

import java.util.List;
import org.vmap4j.Tensor;
import org.vmap4j.TensorType;
import org.vmap4j.cpu.CpuTensor;
import org.vmap4j.cpu.PreparedKernels;
import org.vmap4j.interpreter.BatchRules;
import org.vmap4j.interpreter.Batched;
import org.vmap4j.interpreter.Interpreters;
import org.vmap4j.interpreter.Params;
import org.vmap4j.interpreter.Shapes;
import org.vmap4j.interpreter.SingleResultPrimitive;
import org.vmap4j.kernel.KernelDescription;
import org.vmap4j.kernel.KernelPrimitive;
import org.vmap4j.kernel.Mask;
import org.vmap4j.kernel.View;

/**
 * Pads with {@code value}: {@code low[d]} elements before, {@code high[d]} after and {@code
 * interior[d]} between neighbours along each dimension (all non-negative). The transpose of {@link
 * Slice}.
 */
public enum Pad implements SingleResultPrimitive, KernelPrimitive {
  PAD;

  public static Params params(int[] low, int[] high, int[] interior, double value) {
    return Params.of("low", low, "high", high, "interior", interior, "value", value);
  }

  @Override
  public TensorType inferType(TensorType[] in, Params p) {
    Binary.requireArity("pad", in, 1);
    TensorType x = in[0];
    int[] low = p.ints("low");
    int[] high = p.ints("high");
    int[] interior = p.ints("interior");
    p.real("value"); // read here so that a value of the wrong type fails with the shape rule
    if (low.length != x.ndim() || high.length != x.ndim() || interior.length != x.ndim()) {
      throw new IllegalArgumentException("pad: " + p + " does not match the rank of " + x);
    }
    int[] shape = new int[x.ndim()];
    for (int d = 0; d < x.ndim(); d++) {
      if (low[d] < 0 || high[d] < 0 || interior[d] < 0) {
        throw new IllegalArgumentException("pad: negative padding in " + p);
      }
      int n = x.dim(d);
      shape[d] = low[d] + high[d] + n + Math.max(0, n - 1) * interior[d];
    }
    return x.withShape(shape);
  }

  @Override
  public CpuTensor evaluate(CpuTensor[] in, Params p, TensorType out) {
    return PreparedKernels.run(this, in, p, out);
  }

  /**
   * One point per output element; x is read, row-major, at the points {@code low + (interior + 1) *
   * k} with k inside x's shape, and every other point reads the padding value.
   */
  @Override
  public KernelDescription kernel(TensorType[] in, Params p, TensorType out) {
    int[] xs = in[0].shape();
    int[] step = p.ints("interior").clone();
    for (int d = 0; d < step.length; d++) {
      step[d] += 1;
    }
    Mask inside = Mask.filled(p.ints("low"), step, xs, p.real("value"));
    View x = View.masked(xs, Shapes.contiguousStrides(xs), 0, inside);
    return new KernelDescription(
        List.of(), "x0", in[0].dtype(), List.of(in[0].dtype()), out.shape(), null, 0, List.of(x));
  }

  @Override
  public Batched batch(Tensor[] args, int[] dims, Params p, int batchSize) {
    Tensor x = BatchRules.atFront(args[0], dims[0]);
    Params q =
        params(
            BatchRules.prepend(0, p.ints("low")),
            BatchRules.prepend(0, p.ints("high")),
            BatchRules.prepend(0, p.ints("interior")),
            p.real("value"));
    return Batched.of(Interpreters.bind1(this, q, x), 0);
  }

  @Override
  public Tensor jvp(Tensor[] primals, Tensor[] tangents, Tensor output, Params p) {
    return Interpreters.bind1(this, p.with("value", 0.0), tangents[0]);
  }

  /** The transpose of a pad is the strided slice that picks the operand's elements back out. */
  @Override
  public Tensor[] vjp(Tensor[] primals, Tensor output, Tensor cotangent, Params p) {
    int[] low = p.ints("low");
    int[] interior = p.ints("interior");
    int[] shape = primals[0].shape();
    int[] limit = new int[shape.length];
    int[] stride = new int[shape.length];
    for (int d = 0; d < shape.length; d++) {
      stride[d] = interior[d] + 1;
      limit[d] = shape[d] == 0 ? low[d] : low[d] + (shape[d] - 1) * stride[d] + 1;
    }
    return new Tensor[] {
      Interpreters.bind1(Slice.SLICE, Slice.params(low, limit, stride), cotangent)
    };
  }
}
