package org.vmap4j.nn;

import org.vmap4j.DType;
import org.vmap4j.Tensor;

/** Scaled dot-product attention. */
final class Attention {
  private Attention() {}

  /**
   * {@code softmax(q k^T / sqrt(E), masked) v} for q {@code [..., L, E]}, k {@code [..., S, E]}, v
   * {@code [..., S, Ev]}; mask (nullable, BOOL, broadcastable to {@code [..., L, S]}) is true where
   * a query may attend to a key. Masked scores become -inf before the softmax, as PyTorch does, so
   * a query with no key to attend to gets NaN.
   */
  static Tensor scaledDotProductAttention(Tensor q, Tensor k, Tensor v, Tensor mask) {
    String fn = "scaledDotProductAttention";
    Checks.floating(q, fn, "query");
    Checks.floating(k, fn, "key");
    Checks.floating(v, fn, "value");
    Checks.rankIn(q, 2, Integer.MAX_VALUE, fn, "query", "[..., L, E]");
    Checks.rankIn(k, 2, Integer.MAX_VALUE, fn, "key", "[..., S, E]");
    Checks.rankIn(v, 2, Integer.MAX_VALUE, fn, "value", "[..., S, Ev]");
    int e = q.shape()[q.ndim() - 1];
    Checks.require(
        k.shape()[k.ndim() - 1] == e,
        fn,
        "key's last dimension must equal query's ("
            + e
            + "), found query "
            + Checks.shape(q)
            + " and key "
            + Checks.shape(k));
    Checks.require(
        v.shape()[v.ndim() - 2] == k.shape()[k.ndim() - 2],
        fn,
        "value must have as many rows as key (S), found key "
            + Checks.shape(k)
            + " and value "
            + Checks.shape(v));
    Tensor scores = q.matmul(swapLastTwo(k)).mul(1 / Math.sqrt(e));
    if (mask != null) {
      Checks.require(
          mask.dtype() == DType.BOOL,
          fn,
          "mask must be BOOL (true = attend), found " + mask.type());
      int[] s = scores.shape();
      Tensor m;
      try {
        m = mask.broadcastTo(s);
      } catch (IllegalArgumentException ex) {
        throw new IllegalArgumentException(
            fn
                + ": mask of shape "
                + Checks.shape(mask)
                + " does not broadcast to the scores' shape [..., L, S] = "
                + Checks.shape(s),
            ex);
      }
      scores = Tensor.where(m, scores, Double.NEGATIVE_INFINITY);
    }
    return scores.softmax(-1).matmul(v);
  }

  static Tensor swapLastTwo(Tensor t) {
    int n = t.ndim();
    int[] perm = new int[n];
    for (int i = 0; i < n; i++) {
      perm[i] = i;
    }
    perm[n - 2] = n - 1;
    perm[n - 1] = n - 2;
    return t.permute(perm);
  }
}
