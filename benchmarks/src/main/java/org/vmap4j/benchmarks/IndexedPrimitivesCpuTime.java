package org.vmap4j.benchmarks;

import java.util.Arrays;
import java.util.Random;
import org.vmap4j.DType;
import org.vmap4j.TensorType;
import org.vmap4j.cpu.CpuTensor;
import org.vmap4j.interpreter.Params;
import org.vmap4j.prim.Gather;

/**
 * The eager CPU path of {@code gather} as it is now (its {@link
 * org.vmap4j.kernel.KernelDescription} rendered by {@code cpu.ViewKernels}) against the hand loop
 * it replaced (kept here, verbatim in substance, as the baseline: one {@code System.arraycopy} per
 * gathered slice), both timed by the calling thread's CPU time in the same JVM, alternating, on
 * three typical sizes: an embedding lookup, PyTorch-style {@code gather} along the last axis with a
 * paired batch dimension, and a small per-example pick (as in a cross-entropy).
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -Dvmap4j.threads=1 -cp <core classes and
 * janino> org.vmap4j.benchmarks.IndexedPrimitivesCpuTime}.
 */
public final class IndexedPrimitivesCpuTime {
  private IndexedPrimitivesCpuTime() {}

  private record Case(String name, CpuTensor x, CpuTensor idx, Params params, TensorType out) {}

  public static void main(String[] args) {
    Random r = new Random(7);
    Case[] cases = {
      gatherCase(
          "embedding f32[10000,64] by i32[512]",
          r,
          DType.F32,
          new int[] {10000, 64},
          new int[] {512},
          0,
          0),
      gatherCase(
          "last axis f32[256,128] by i64[256,16]",
          r,
          DType.F32,
          new int[] {256, 128},
          new int[] {256, 16},
          1,
          1),
      gatherCase(
          "pick f64[32,10] by i32[32,1]",
          r,
          DType.F64,
          new int[] {32, 10},
          new int[] {32, 1},
          1,
          1),
    };
    for (Case c : cases) {
      int reps = Math.max(1, 2_000_000 / Math.max(1, c.out().size()));
      CpuTimeSampler.Summary[] t =
          CpuTimeSampler.alternate(5, 21, reps, () -> check(c, hand(c)), () -> check(c, kernel(c)));
      System.out.println(CpuTimeSampler.handAgainstKernel(c.name(), t[0], t[1]));
    }
  }

  private static void check(Case c, CpuTensor y) {
    if (y.size() != c.out().size()) {
      throw new AssertionError(c.name());
    }
  }

  private static Case gatherCase(
      String name, Random r, DType t, int[] xs, int[] is, int axis, int nb) {
    int size = Arrays.stream(xs).reduce(1, (a, b) -> a * b);
    Object data;
    if (t == DType.F32) {
      float[] f = new float[size];
      for (int k = 0; k < size; k++) {
        f[k] = r.nextFloat();
      }
      data = f;
    } else {
      data = r.doubles(size).toArray();
    }
    CpuTensor x = CpuTensor.wrap(t, data, xs);
    int n = xs[axis];
    int count = Arrays.stream(is).reduce(1, (a, b) -> a * b);
    CpuTensor idx =
        nb == 1 && is[1] == 16
            ? CpuTensor.wrap(DType.I64, r.longs(count, 0, n).toArray(), is)
            : CpuTensor.wrap(DType.I32, r.ints(count, 0, n).toArray(), is);
    Params p = Gather.params(axis, nb);
    TensorType out = Gather.GATHER.inferType(new TensorType[] {x.type(), idx.type()}, p);
    return new Case(name, x, idx, p, out);
  }

  private static CpuTensor kernel(Case c) {
    return Gather.GATHER.evaluate(new CpuTensor[] {c.x(), c.idx()}, c.params(), c.out());
  }

  /** The hand loop gather had before it stated a kernel description (the baseline). */
  private static CpuTensor hand(Case c) {
    // the validation the old evaluate ran first (Gather.IndexedLayout.of, as inferType runs it)
    Gather.GATHER.inferType(new TensorType[] {c.x().type(), c.idx().type()}, c.params());
    int[] xs = c.x().shape();
    int axis = c.params().integer("axis");
    int nb = c.params().integer("batch_dims");
    int b = 1;
    int p = 1;
    int q = 1;
    for (int d = 0; d < nb; d++) {
      b *= xs[d];
    }
    for (int d = nb; d < axis; d++) {
      p *= xs[d];
    }
    for (int d = axis + 1; d < xs.length; d++) {
      q *= xs[d];
    }
    int n = xs[axis];
    int items = c.idx().size() / b;
    CpuTensor x = c.x().contiguous();
    long[] idx = new long[c.idx().size()];
    for (int k = 0; k < idx.length; k++) {
      long v = c.idx().getLong(k);
      if (v < 0 || v >= n) {
        throw new IndexOutOfBoundsException("gather: index " + v);
      }
      idx[k] = v;
    }
    CpuTensor result = CpuTensor.allocate(c.out());
    Object src = x.data();
    Object dst = result.data();
    int dstPos = 0;
    for (int bb = 0; bb < b; bb++) {
      for (int pre = 0; pre < p; pre++) {
        int srcBase = x.offset() + (bb * p + pre) * n * q;
        for (int i = 0; i < items; i++) {
          System.arraycopy(src, srcBase + (int) idx[bb * items + i] * q, dst, dstPos, q);
          dstPos += q;
        }
      }
    }
    return result;
  }
}
