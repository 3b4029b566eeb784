package org.vmap4j.persample;

import org.vmap4j.DType;
import org.vmap4j.Func;
import org.vmap4j.PerSampleGrads;
import org.vmap4j.Tensor;
import org.vmap4j.Tree;

/**
 * Run in a JVM with {@code -Xmx1g} by {@link MemoryBoundTest}: per-sample gradient norms and the
 * clipped sum of an MLP with 4.2M parameters over 4096 examples (materialized, the per-sample
 * gradients alone would be 4096 × 4.2M floats = 69 GB). Prints {@code OK} and figures, or throws.
 */
public final class MemoryBoundMain {
  private MemoryBoundMain() {}

  record Mlp(Tensor w1, Tensor b1, Tensor w2, Tensor b2) {}

  static Tensor loss(Mlp p, Tensor x) {
    Tensor h = x.matmul(p.w1()).add(p.b1()).tanh();
    Tensor out = h.matmul(p.w2()).add(p.b2());
    return out.square().sum().mul(0.5);
  }

  public static void main(String[] args) {
    int d = 1024;
    int h = 2048;
    int o = 1024;
    int b = 4096;
    Mlp p =
        new Mlp(
            Tensor.randomNormal(1, DType.F32, d, h).mul((float) (1 / Math.sqrt(d))),
            Tensor.zeros(DType.F32, h),
            Tensor.randomNormal(2, DType.F32, h, o).mul((float) (1 / Math.sqrt(h))),
            Tensor.zeros(DType.F32, o));
    long params = 0;
    for (Tensor t : Tree.leaves(p)) {
      params += t.size();
    }
    Tensor x = Tensor.randomNormal(3, DType.F32, b, d);
    PerSampleGrads<Mlp, Tensor> ps = PerSampleGrads.of(MemoryBoundMain::loss);
    double[] norms = ps.norms(p, x).toDoubleArray();
    Mlp clipped = ps.clippedSum(p, x, 1.0);
    // two examples' norms by an ordinary gradient each (4.2M floats), in float precision
    for (int i : new int[] {0, b - 1}) {
      double sq = 0;
      for (Tensor g : Tree.leaves(Func.grad(MemoryBoundMain::loss).apply(p, x.index(0, i)))) {
        for (float v : g.toFloatArray()) {
          sq += (double) v * v;
        }
      }
      double expected = Math.sqrt(sq);
      if (Math.abs(norms[i] - expected) > 1e-3 * expected) {
        throw new AssertionError(
            "norm " + i + ": " + norms[i] + " but one gradient gives " + expected);
      }
    }
    // every example is clipped to norm ≤ 1, so the sum's norm is at most b
    double sum = 0;
    for (Tensor g : Tree.leaves(clipped)) {
      for (float v : g.toFloatArray()) {
        sum += (double) v * v;
      }
    }
    if (!(Math.sqrt(sum) <= b * (1 + 1e-4)) || sum == 0) {
      throw new AssertionError("clipped sum norm " + Math.sqrt(sum) + " exceeds " + b);
    }
    Runtime rt = Runtime.getRuntime();
    System.out.printf(
        "OK params=%d batch=%d materialized_gb=%.1f max_heap_mb=%d%n",
        params, b, params * (double) b * 4 / 1e9, rt.maxMemory() >> 20);
  }
}
