package org.vmap4j.benchmarks;

import java.util.Arrays;
import java.util.Random;
import java.util.function.Supplier;
import org.vmap4j.DType;
import org.vmap4j.TensorType;
import org.vmap4j.cpu.CpuTensor;
import org.vmap4j.cpu.ElementwiseKernels;
import org.vmap4j.cpu.ElementwiseLoop;
import org.vmap4j.cpu.KernelCompiler;
import org.vmap4j.cpu.ReductionLoop;
import org.vmap4j.cpu.Storage;
import org.vmap4j.interpreter.Params;
import org.vmap4j.interpreter.Shapes;
import org.vmap4j.prim.Argmax;
import org.vmap4j.prim.Binary;
import org.vmap4j.prim.Concatenate;
import org.vmap4j.prim.Gather;
import org.vmap4j.prim.Pad;
import org.vmap4j.prim.ScatterAdd;

/**
 * The eager CPU paths of the primitives moved onto kernel descriptions with views by issue 16
 * ({@code pad}, {@code concatenate}, {@code argmax}, {@code scatter_add}) against the hand loops
 * they replaced (kept here, verbatim in substance, as the baselines), both timed by the calling
 * thread's CPU time in the same JVM, alternating which goes first, 21 samples of many calls after 5
 * warm-up samples.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -Dvmap4j.threads=1 -cp <core classes and
 * janino> org.vmap4j.benchmarks.ViewPrimitivesCpuTime}.
 */
public final class ViewPrimitivesCpuTime {
  private ViewPrimitivesCpuTime() {}

  /**
   * A case: the old hand loop and the primitive's evaluate now, on the same operands; {@code size}
   * elements out, {@code work} elements touched (which sets the calls per sample).
   */
  private record Case(
      String name, int size, int work, Supplier<CpuTensor> hand, Supplier<CpuTensor> now) {}

  public static void main(String[] args) {
    Random r = new Random(11);
    Case[] cases = {
      padCase(
          "pad f32[32,8,32,32] by 1 (conv padding)",
          floats(r, 32, 8, 32, 32),
          new int[] {0, 0, 1, 1},
          new int[] {0, 0, 1, 1},
          new int[] {0, 0, 0, 0}),
      padCase(
          "pad f32[16,64,64] interior 1 (transposed conv)",
          floats(r, 16, 64, 64),
          new int[] {0, 1, 1},
          new int[] {0, 1, 1},
          new int[] {0, 1, 1}),
      padCase(
          "pad f64[10] low 2 (small)",
          CpuTensor.wrap(DType.F64, r.doubles(10).toArray(), 10),
          new int[] {2},
          new int[] {0},
          new int[] {0}),
      concatCase(
          "concatenate 2 x f32[256,128] axis 1", 1, floats(r, 256, 128), floats(r, 256, 128)),
      concatCase(
          "concatenate 2 x f32[256,128] axis 0", 0, floats(r, 256, 128), floats(r, 256, 128)),
      concatCase(
          "concatenate 3 x f64[8] (small)",
          0,
          CpuTensor.wrap(DType.F64, r.doubles(8).toArray(), 8),
          CpuTensor.wrap(DType.F64, r.doubles(8).toArray(), 8),
          CpuTensor.wrap(DType.F64, r.doubles(8).toArray(), 8)),
      argmaxCase("argmax f32[256,1000] axis 1 (class scores)", floats(r, 256, 1000), 1),
      argmaxCase("argmax f32[1000,256] axis 0 (strided)", floats(r, 1000, 256), 0),
      argmaxCase(
          "argmax f64[32,10] axis 1 (small)",
          CpuTensor.wrap(DType.F64, r.doubles(320).toArray(), 32, 10),
          1),
      scatterCase(
          "scatter_add f32[10000,64] by i32[512] (embedding gradient)",
          r,
          floats(r, 10000, 64),
          new int[] {512},
          0,
          0),
      scatterCase(
          "scatter_add f32[256,128] by i64[256,16] axis 1, one batch dim",
          r,
          floats(r, 256, 128),
          new int[] {256, 16},
          1,
          1),
      scatterCase(
          "scatter_add f64[32,10] by i32[32,1] (small)",
          r,
          CpuTensor.wrap(DType.F64, r.doubles(320).toArray(), 32, 10),
          new int[] {32, 1},
          1,
          1),
    };
    String only = System.getProperty("case", "");
    for (Case c : cases) {
      if (!c.name().startsWith(only)) {
        continue;
      }
      int reps = Math.max(1, 2_000_000 / Math.max(1, c.work()));
      CpuTimeSampler.Summary[] t =
          CpuTimeSampler.alternate(5, 21, reps, () -> check(c, c.hand()), () -> check(c, c.now()));
      System.out.println(CpuTimeSampler.handAgainstKernel(c.name(), t[0], t[1]));
    }
  }

  private static void check(Case c, Supplier<CpuTensor> call) {
    if (call.get().size() != c.size()) {
      throw new AssertionError(c.name());
    }
  }

  private static CpuTensor floats(Random r, int... shape) {
    int n = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
    float[] f = new float[n];
    for (int k = 0; k < n; k++) {
      f[k] = r.nextFloat();
    }
    return CpuTensor.wrap(DType.F32, f, shape);
  }

  private static Case padCase(String name, CpuTensor x, int[] low, int[] high, int[] interior) {
    Params p = Pad.params(low, high, interior, 0.5);
    TensorType out = Pad.PAD.inferType(new TensorType[] {x.type()}, p);
    return new Case(
        name,
        out.size(),
        out.size(),
        () -> handPad(x, p, out),
        () -> Pad.PAD.evaluate(new CpuTensor[] {x}, p, out));
  }

  private static Case concatCase(String name, int axis, CpuTensor... xs) {
    Params p = Concatenate.params(axis);
    TensorType[] types = new TensorType[xs.length];
    for (int i = 0; i < xs.length; i++) {
      types[i] = xs[i].type();
    }
    TensorType out = Concatenate.CONCATENATE.inferType(types, p);
    return new Case(
        name,
        out.size(),
        out.size(),
        () -> handConcatenate(xs, p, out),
        () -> Concatenate.CONCATENATE.evaluate(xs, p, out));
  }

  private static Case argmaxCase(String name, CpuTensor x, int axis) {
    Params p = Argmax.params(axis);
    TensorType out = Argmax.ARGMAX.inferType(new TensorType[] {x.type()}, p);
    return new Case(
        name,
        out.size(),
        x.size(),
        () -> handArgmax(x, axis, out),
        () -> Argmax.ARGMAX.evaluate(new CpuTensor[] {x}, p, out));
  }

  /**
   * Argmax's evaluate before it stated an index reduction (cpu.Reductions.argmax, the baseline).
   */
  private static CpuTensor handArgmax(CpuTensor x, int axis, TensorType outType) {
    int nd = x.ndim();
    int[] perm = Shapes.concat(Shapes.complement(nd, new int[] {axis}), new int[] {axis});
    CpuTensor block = x.permuteView(perm).contiguous();
    CpuTensor out = CpuTensor.allocate(outType);
    if (outType.size() > 0) {
      KernelCompiler.instance(argmaxSource(x.dtype()), ReductionLoop.class)
          .run(block.data(), block.offset(), out.data(), outType.size(), x.shape()[axis]);
    }
    return out;
  }

  private static String argmaxSource(DType t) {
    String et = Storage.javaType(t);
    return String.format(
        """
        public void run(Object xo, int off, Object yo, int rows, int length) {
          final %s[] x = (%s[]) xo;
          final long[] y = (long[]) yo;
          for (int i = 0; i < rows; i++) {
            final int b = off + i * length;
            %s best = x[b];
            long at = 0;
            for (int j = 1; j < length; j++) {
              final %s v = x[b + j];
              if (best == best && (v > best || v != v)) {
                best = v;
                at = j;
              }
            }
            y[i] = at;
          }
        }
        """,
        et, et, et, et);
  }

  private static Case scatterCase(String name, Random r, CpuTensor x, int[] is, int axis, int nb) {
    int n = x.shape()[axis];
    int count = Arrays.stream(is).reduce(1, (a, b) -> a * b);
    CpuTensor idx =
        nb == 1 && is[1] == 16
            ? CpuTensor.wrap(DType.I64, r.longs(count, 0, n).toArray(), is)
            : CpuTensor.wrap(DType.I32, r.ints(count, 0, n).toArray(), is);
    Params p = Gather.params(axis, nb);
    TensorType ut = Gather.GATHER.inferType(new TensorType[] {x.type(), idx.type()}, p);
    CpuTensor updates =
        x.dtype() == DType.F32
            ? floats(r, ut.shape())
            : CpuTensor.wrap(DType.F64, r.doubles(ut.size()).toArray(), ut.shape());
    TensorType out = x.type();
    CpuTensor[] in = {x, idx, updates};
    return new Case(
        name,
        out.size(),
        updates.size() + out.size(),
        () -> handScatterAdd(x, idx, updates, axis, nb, out),
        () -> ScatterAdd.SCATTER_ADD.evaluate(in, p, out));
  }

  /** Scatter_add's evaluate before it stated a Scatter (the baseline, with its index checks). */
  private static CpuTensor handScatterAdd(
      CpuTensor x, CpuTensor indices, CpuTensor u, int axis, int nb, TensorType out) {
    int[] xs = x.shape();
    int b = 1;
    int pp = 1;
    int q = 1;
    for (int d = 0; d < nb; d++) {
      b *= xs[d];
    }
    for (int d = nb; d < axis; d++) {
      pp *= xs[d];
    }
    for (int d = axis + 1; d < xs.length; d++) {
      q *= xs[d];
    }
    int n = xs[axis];
    int items = indices.size() / b;
    long[] idx = new long[indices.size()];
    for (int k = 0; k < idx.length; k++) {
      long v = indices.getLong(k);
      if (v < 0 || v >= n) {
        throw new IndexOutOfBoundsException("scatter_add: index " + v);
      }
      idx[k] = v;
    }
    CpuTensor result = CpuTensor.allocate(out);
    x.copyInto(result, 0, result.strides());
    CpuTensor updates = u.contiguous();
    DType t = out.dtype();
    ElementwiseLoop add =
        ElementwiseKernels.loop(Binary.ADD.renderJava(t, "x0", "x1"), new DType[] {t, t}, t);
    Object[] operands = {result.data(), updates.data()};
    int[] offsets = new int[2];
    int src = updates.offset();
    for (int bb = 0; bb < b; bb++) {
      for (int pre = 0; pre < pp; pre++) {
        int base = (bb * pp + pre) * n * q;
        for (int i = 0; i < items; i++) {
          offsets[0] = base + (int) idx[bb * items + i] * q;
          offsets[1] = src;
          add.run(operands, offsets, result.data(), offsets[0], q);
          src += q;
        }
      }
    }
    return result;
  }

  /** Pad's evaluate before it stated a kernel description (the baseline). */
  private static CpuTensor handPad(CpuTensor x, Params p, TensorType out) {
    CpuTensor result = CpuTensor.allocate(out);
    Storage.fill(result.data(), 0, out.size(), p.real("value"));
    if (x.size() == 0) {
      return result;
    }
    int[] low = p.ints("low");
    int[] interior = p.ints("interior");
    int[] rs = result.strides();
    int offset = 0;
    int[] strides = new int[rs.length];
    for (int d = 0; d < rs.length; d++) {
      offset += low[d] * rs[d];
      strides[d] = rs[d] * (interior[d] + 1);
    }
    x.copyInto(result, offset, strides);
    return result;
  }

  /** Concatenate's evaluate before it stated a kernel description (the baseline). */
  private static CpuTensor handConcatenate(CpuTensor[] in, Params p, TensorType out) {
    int axis = p.integer("axis");
    CpuTensor result = CpuTensor.allocate(out);
    int[] strides = result.strides();
    int offset = 0;
    for (CpuTensor t : in) {
      if (t.size() > 0) {
        t.copyInto(result, offset, strides);
      }
      offset += t.shape()[axis] * strides[axis];
    }
    return result;
  }
}
