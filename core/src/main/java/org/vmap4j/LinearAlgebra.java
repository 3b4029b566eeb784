package org.vmap4j;

import static org.vmap4j.interpreter.Interpreters.bind1;

import org.vmap4j.interpreter.Shapes;
import org.vmap4j.prim.DotGeneral;

/** NumPy's {@code matmul} on top of the {@code dot_general} primitive. */
final class LinearAlgebra {
  private LinearAlgebra() {}

  static Tensor matmul(Tensor a, Tensor b) {
    if (a.ndim() == 0 || b.ndim() == 0) {
      throw new IllegalArgumentException(
          "matmul: operands must have at least one dimension, got "
              + a.type()
              + " and "
              + b.type());
    }
    DType t = DType.promote(a.dtype(), b.dtype());
    boolean vectorA = a.ndim() == 1;
    boolean vectorB = b.ndim() == 1;
    Tensor x = vectorA ? a.unsqueeze(0) : a;
    Tensor y = vectorB ? b.unsqueeze(1) : b;
    int[] xs = x.shape();
    int[] ys = y.shape();
    int k = xs[xs.length - 1];
    if (k != ys[ys.length - 2]) {
      throw new IllegalArgumentException(
          "matmul: shapes "
              + Shapes.str(a.shape())
              + " and "
              + Shapes.str(b.shape())
              + " are not aligned: "
              + k
              + " (last dim of the first) != "
              + ys[ys.length - 2]
              + " ("
              + (vectorB ? "only" : "second-to-last")
              + " dim of the second)");
    }
    int[] batchX = Shapes.select(xs, Shapes.range(0, xs.length - 2));
    int[] batchY = Shapes.select(ys, Shapes.range(0, ys.length - 2));
    int[] batch = Shapes.broadcast(batchX, batchY, "matmul");
    int nb = batch.length;
    x = x.astype(t).broadcastTo(Shapes.concat(batch, new int[] {xs[xs.length - 2], k}));
    y = y.astype(t).broadcastTo(Shapes.concat(batch, new int[] {k, ys[ys.length - 1]}));
    int[] batchDims = Shapes.range(0, nb);
    Tensor out =
        bind1(
            DotGeneral.DOT_GENERAL,
            DotGeneral.params(new int[] {nb + 1}, new int[] {nb}, batchDims, batchDims),
            x,
            y);
    if (vectorB) {
      out = out.squeeze(-1);
    }
    if (vectorA) {
      out = out.squeeze(vectorB ? -1 : -2);
    }
    return out;
  }
}
