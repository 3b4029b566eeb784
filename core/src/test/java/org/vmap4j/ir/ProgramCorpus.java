package org.vmap4j.ir;

import static org.vmap4j.interpreter.Interpreters.bind1;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.vmap4j.DType;
import org.vmap4j.Func;
import org.vmap4j.Tensor;
import org.vmap4j.interpreter.Params;
import org.vmap4j.prim.ConvGeneralDilated;
import org.vmap4j.prim.ReduceWindow;

/**
 * Small, valid programs traced through the public API, the seeds of the untrusted-bytes tests: an
 * MLP, per-sample gradients of the MLP, a program with control flow (cond, a while loop, a scan), a
 * convolution with pooling, and one with indexed primitives whose indices are constants (gather,
 * its gradient scatter_add, concatenate, argmax): mutated indices must fail cleanly at run time.
 */
final class ProgramCorpus {
  private ProgramCorpus() {}

  /** In a fixed order, so that a fuzz case's seed always names the same bytes. */
  static Map<String, Program> all() {
    Map<String, Program> m = new LinkedHashMap<>();
    m.put("mlp", mlp());
    m.put("per-sample grad of mlp", perSampleGradOfMlp());
    m.put("control flow", controlFlow());
    m.put("conv", conv());
    m.put("indexing", indexing());
    return m;
  }

  private static Tensor w1() {
    return Tensor.randomNormal(1, DType.F64, 4, 3);
  }

  private static Tensor w2() {
    return Tensor.randomNormal(2, DType.F64, 3);
  }

  /** x [4] -> tanh(x W1) . w2, with the weights captured as constants. */
  static Program mlp() {
    Tensor w1 = w1();
    Tensor w2 = w2();
    Function<Tensor, Tensor> f = x -> x.matmul(w1).tanh().dot(w2);
    return Func.trace(f, Tensor.randomNormal(3, DType.F64, 4));
  }

  /** Per-example gradients of a squared-error loss of the MLP with respect to W1, for 5 rows. */
  static Program perSampleGradOfMlp() {
    Tensor w2 = w2();
    BiFunction<Tensor, Tensor, Tensor> loss = (w, x) -> x.matmul(w).tanh().dot(w2).square();
    BiFunction<Tensor, Tensor, Tensor> perSample =
        (w, xs) -> Func.vmap((Tensor x) -> Func.grad(loss).apply(w, x)).apply(xs);
    return Func.trace(perSample, w1(), Tensor.randomNormal(4, DType.F64, 5, 4));
  }

  /** cond on the sign of the sum, a while loop halving until small, and a cumulative scan. */
  static Program controlFlow() {
    Function<Tensor, Tensor> f =
        x -> {
          Tensor c =
              Func.cond(x.sum().gt(0), (Tensor a) -> a.mul(2.0), (Tensor a) -> a.neg().exp(), x);
          Tensor halved = Func.whileLoop((Tensor a) -> a.abs().sum().gt(1.0), a -> a.mul(0.5), c);
          return Func.scan(
                  (Tensor carry, Tensor xi) -> new org.vmap4j.ScanStep<>(carry.add(xi), carry),
                  Tensor.scalar(0.0),
                  halved)
              .ys();
        };
    return Func.trace(f, Tensor.randomNormal(5, DType.F64, 4));
  }

  /** A 2-d convolution, tanh and 2x2 max pooling, summed. */
  static Program conv() {
    Params p =
        ConvGeneralDilated.params(
            new int[] {1, 1},
            new int[] {1, 0},
            new int[] {1, 1},
            new int[] {1, 1},
            new int[] {1, 1},
            1,
            1);
    Params pool =
        ReduceWindow.params(new int[] {1, 1, 2, 2}, new int[] {1, 1, 2, 2}, new int[4], new int[4]);
    Tensor w = Tensor.randomNormal(6, DType.F64, 2, 1, 3, 3);
    Function<Tensor, Tensor> f =
        x ->
            bind1(
                    ReduceWindow.REDUCE_WINDOW_MAX,
                    pool,
                    bind1(ConvGeneralDilated.CONV_GENERAL_DILATED, p, x, w).tanh())
                .sum();
    return Func.trace(f, Tensor.randomNormal(7, DType.F64, 1, 1, 5, 6));
  }

  /** Rows of a captured table at captured indices, joined, with the table's gradient. */
  static Program indexing() {
    Tensor table = Tensor.randomNormal(8, DType.F64, 6, 4);
    Tensor idx = Tensor.of(new int[] {5, 0, 3}, 3);
    Function<Tensor, Tensor> f =
        x -> {
          Tensor rows = table.index(0, idx).matmul(x);
          Tensor joined = Tensor.concat(0, rows, rows.slice(0, 0, 2));
          Tensor best = joined.argmax(0).astype(DType.F64);
          Tensor gradTable =
              Func.grad((Tensor t) -> t.index(0, idx).matmul(x).square().sum()).apply(table);
          return gradTable.sum(0).add(joined.softmax(0).sum().mul(best));
        };
    return Func.trace(f, Tensor.randomNormal(9, DType.F64, 4));
  }

  /** Inputs for a program: seeded normal values of each input's type. */
  static List<Tensor> inputsFor(Program p, long seed) {
    return p.inputTypes().stream()
        .map(
            t ->
                t.dtype().isFloating()
                    ? Tensor.randomNormal(seed, t.dtype(), t.shape())
                    : Tensor.zeros(t.dtype(), t.shape()))
        .toList();
  }
}
