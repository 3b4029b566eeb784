package org.vmap4j.prim;

import org.vmap4j.DType;
import org.vmap4j.Tensor;
import org.vmap4j.TensorType;
import org.vmap4j.cpu.CpuTensor;
import org.vmap4j.interpreter.BatchRules;
import org.vmap4j.interpreter.Batched;
import org.vmap4j.interpreter.Interpreters;
import org.vmap4j.interpreter.Params;
import org.vmap4j.interpreter.SingleResultPrimitive;

/**
 * Uniform random numbers in {@code [0, 1)} of {@code dtype} (F32 or F64) and {@code shape}, from a
 * counter-based generator: element i is a hash of {@code (seed, i)}. The same seed always gives the
 * same tensor, on any thread and in any order of evaluation, and element i does not depend on the
 * shape's other elements, which is what splitting work across threads, batches and machines needs.
 * No operands.
 */
public enum RandomUniform implements SingleResultPrimitive {
  RANDOM_UNIFORM;

  public static Params params(long seed, DType dtype, int[] shape) {
    return params(seed, 0, dtype, shape);
  }

  /**
   * {@code offset} shifts the counter: element i is the stream's element {@code offset + i}, so a
   * piece of a larger draw (a chunk of a vmapped batch) equals that part of the whole draw.
   */
  public static Params params(long seed, long offset, DType dtype, int[] shape) {
    return Params.of("seed", seed, "offset", offset, "dtype", dtype, "shape", shape);
  }

  @Override
  public TensorType inferType(TensorType[] in, Params p) {
    Binary.requireArity("random_uniform", in, 0);
    // read here so that a seed or offset of the wrong type fails with the shape rule
    p.longValue("seed");
    p.longValue("offset");
    TensorType t = new TensorType(p.dtype("dtype"), p.ints("shape"));
    Elementwise.requireFloating("random_uniform", t.dtype());
    return t;
  }

  /** SplitMix64's finalizer: a bijective mix with good avalanche, so neighbours decorrelate. */
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  /** The 64 random bits of element {@code i} for {@code seed}. */
  static long bits(long seed, long i) {
    return mix(mix(seed) + (i + 1) * 0x9e3779b97f4a7c15L);
  }

  @Override
  public CpuTensor evaluate(CpuTensor[] in, Params p, TensorType out) {
    long seed = p.longValue("seed");
    long offset = p.longValue("offset");
    CpuTensor result = CpuTensor.allocate(out);
    if (result.data() instanceof double[] a) {
      for (int i = 0; i < a.length; i++) {
        a[i] = (bits(seed, offset + i) >>> 11) * 0x1.0p-53;
      }
    } else {
      float[] a = (float[]) result.data();
      for (int i = 0; i < a.length; i++) {
        a[i] = (bits(seed, offset + i) >>> 40) * 0x1.0p-24f;
      }
    }
    return result;
  }

  /** No operands, so nothing is ever batched: the result is the same for every example. */
  @Override
  public Batched batch(Tensor[] args, int[] dims, Params p, int batchSize) {
    return Batched.of(Interpreters.bind1(this, p), BatchRules.NOT_MAPPED);
  }

  @Override
  public boolean isRandom() {
    return true;
  }

  /** No operands, so nothing to differentiate. */
  @Override
  public Tensor jvp(Tensor[] primals, Tensor[] tangents, Tensor output, Params p) {
    return null;
  }

  @Override
  public Tensor[] vjp(Tensor[] primals, Tensor output, Tensor cotangent, Params p) {
    return new Tensor[0];
  }
}
