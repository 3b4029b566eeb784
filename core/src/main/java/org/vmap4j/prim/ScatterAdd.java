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
import org.vmap4j.interpreter.SingleResultPrimitive;
import org.vmap4j.interpreter.Tangents;
import org.vmap4j.kernel.IndexLoad;
import org.vmap4j.kernel.KernelDescription;
import org.vmap4j.kernel.Monoid;
import org.vmap4j.kernel.Scatter;
import org.vmap4j.kernel.ScatterPrimitive;
import org.vmap4j.kernel.View;

/**
 * {@code scatter_add(operand, indices, updates)}: a copy of {@code operand} with each slice of
 * {@code updates} added at the position its index names, with {@link Gather}'s layout (updates have
 * the shape gather would produce); repeated indices accumulate. The transpose of gather.
 */
public enum ScatterAdd implements SingleResultPrimitive, ScatterPrimitive {
  SCATTER_ADD;

  @Override
  public TensorType inferType(TensorType[] in, Params p) {
    Binary.requireArity("scatter_add", in, 3);
    Elementwise.requireNumeric("scatter_add", in[0].dtype());
    TensorType expected = Gather.IndexedLayout.of("scatter_add", in[0], in[1], p).gatheredType();
    if (!expected.equals(in[2])) {
      throw new IllegalArgumentException(
          "scatter_add: updates are "
              + in[2]
              + " but operand "
              + in[0]
              + " indexed by "
              + in[1]
              + " needs "
              + expected);
    }
    return in[0];
  }

  @Override
  public CpuTensor evaluate(CpuTensor[] in, Params p, TensorType out) {
    return PreparedKernels.run(this, in, p, out);
  }

  /**
   * Gather's layout turned around: one point per update element, the updates (x2) seen as {@code
   * [B, P, I, Q]} and read in order, the indices (x1, seen as {@code [B, I]}) with strides {@code
   * [I, 0, 1, 0]}; each value is added to a copy of the operand (x0) at {@code [b, p, idx[b, i],
   * q]}: strides {@code [PNQ, NQ, 0, 1]} plus an index load of stride Q.
   */
  @Override
  public Scatter kernel(TensorType[] in, Params p, TensorType out) {
    Gather.IndexedLayout l = Gather.IndexedLayout.of("scatter_add", in[0], in[1], p);
    int q = l.q();
    int n = l.n();
    View operand = View.strided(in[0].shape(), new int[4], 0); // the base: not read per point
    View indices = View.strided(in[1].shape(), new int[] {l.i(), 0, 1, 0}, 0);
    KernelDescription updates =
        new KernelDescription(
            List.of(),
            "x2",
            in[2].dtype(),
            List.of(in[0].dtype(), in[1].dtype(), in[2].dtype()),
            new int[] {l.b(), l.p(), l.i(), q},
            null,
            0,
            List.of(operand, indices, View.CONTIGUOUS));
    View target =
        new View(
            in[0].shape(),
            new int[] {l.p() * n * q, n * q, 0, 1},
            0,
            List.of(new IndexLoad(1, q, n, "scatter_add")));
    return new Scatter(updates, 0, target, Monoid.SUM);
  }

  @Override
  public Batched batch(Tensor[] args, int[] dims, Params p, int batchSize) {
    Tensor[] xs = BatchRules.allAtFront(args, dims, batchSize);
    Params q = Gather.params(p.integer("axis") + 1, p.integer("batch_dims") + 1);
    return Batched.of(Interpreters.bind1(this, q, xs), 0);
  }

  @Override
  public Tensor jvp(Tensor[] primals, Tensor[] tangents, Tensor output, Params params) {
    if (tangents[0] == null && tangents[2] == null) {
      return null;
    }
    Tensor base = Tangents.orZeros(tangents[0], primals[0]);
    Tensor updates = Tangents.orZeros(tangents[2], primals[2]);
    return Interpreters.bind1(this, params, base, primals[1], updates);
  }

  @Override
  public Tensor[] vjp(Tensor[] primals, Tensor output, Tensor cotangent, Params params) {
    return new Tensor[] {
      cotangent, null, Interpreters.bind1(Gather.GATHER, params, cotangent, primals[1])
    };
  }
}
