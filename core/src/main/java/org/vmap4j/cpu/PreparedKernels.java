package org.vmap4j.cpu;

import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.vmap4j.TensorType;
import org.vmap4j.interpreter.Params;
import org.vmap4j.kernel.IndexReductionPrimitive;
import org.vmap4j.kernel.KernelPrimitive;
import org.vmap4j.kernel.ScatterPrimitive;

/**
 * The eager CPU entry of the primitives that state their kernel as a description (gather, pad,
 * concatenate, scatter_add, argmax): their {@code evaluate} calls {@code run} here, which keeps
 * each {@link PreparedKernel} by primitive, parameters, operand types and result type, so that a
 * repeated call (the same gather, pad or concatenation on every training step) neither builds the
 * description again nor plans its loop: it only runs it.
 *
 * <p>Why it exists: building a description (views, masks, index loads, their validation) and
 * planning it (merging dimensions, following a mask chain, testing whether masks tile the output,
 * finding the compiled loop) costs a fixed 0.1-0.4 us per call. That made a 10-element pad 1.6x, a
 * concatenation of three 8-element vectors 1.9x and a 32-element scatter_add 1.14-1.19x the hand
 * loops these primitives had before they stated descriptions (docs/performance.md, "pad,
 * concatenate, argmax and scatter_add through their kernel descriptions"). The lookup hashes and
 * compares the parameters and operand types: with it those calls measured 1.03-1.04x, 1.03-1.07x
 * and 0.2x (2026-12-07, "The eager kernel cache").
 *
 * <p>Everything a description holds is a function of the key (a primitive's {@code kernel} reads
 * only its operand types, parameters and result type), so a hit is the kernel that would have been
 * built. Thread-safe: a concurrent map of immutable prepared kernels; two threads that miss on the
 * same key both prepare it and one is kept. Bounded: at most {@link #MAX_KERNELS} kernels, and the
 * map is emptied when full (the bound of the gather-only plan cache this replaces), so that eager
 * code running many different shapes does not grow it without bound. Emptying drops plans only; the
 * compiled loops stay in their own caches, so preparing again costs the fixed cost above, not a
 * compilation.
 */
public final class PreparedKernels {
  private PreparedKernels() {}

  static final int MAX_KERNELS = 4096;

  private static final ConcurrentHashMap<Key, PreparedKernel> KERNELS = new ConcurrentHashMap<>();

  private static final AtomicLong PREPARED = new AtomicLong();

  /** Evaluates {@code primitive}'s {@link org.vmap4j.kernel.KernelDescription} on {@code in}. */
  public static CpuTensor run(
      KernelPrimitive primitive, CpuTensor[] in, Params params, TensorType out) {
    Key key = new Key(primitive, params, in, out);
    PreparedKernel k = KERNELS.get(key);
    if (k == null) {
      k = keep(key, ViewKernels.prepare(primitive.kernel(key.inputs.clone(), params, out), out));
    }
    return k.run(in);
  }

  /** Evaluates {@code primitive}'s {@link org.vmap4j.kernel.Scatter} on {@code in}. */
  public static CpuTensor run(
      ScatterPrimitive primitive, CpuTensor[] in, Params params, TensorType out) {
    Key key = new Key(primitive, params, in, out);
    PreparedKernel k = KERNELS.get(key);
    if (k == null) {
      k = keep(key, ScatterKernels.prepare(primitive.kernel(key.inputs.clone(), params, out), out));
    }
    return k.run(in);
  }

  /** Evaluates {@code primitive}'s {@link org.vmap4j.kernel.IndexReduction} on {@code in}. */
  public static CpuTensor run(
      IndexReductionPrimitive primitive, CpuTensor[] in, Params params, TensorType out) {
    Key key = new Key(primitive, params, in, out);
    PreparedKernel k = KERNELS.get(key);
    if (k == null) {
      k =
          keep(
              key, IndexReductions.prepare(primitive.kernel(key.inputs.clone(), params, out), out));
    }
    return k.run(in);
  }

  /** How many prepared kernels are kept now (for tests). */
  static int size() {
    return KERNELS.size();
  }

  /** How many kernels this JVM has prepared, i.e. how many calls missed (for tests). */
  static long preparedCount() {
    return PREPARED.get();
  }

  private static PreparedKernel keep(Key key, PreparedKernel k) {
    PREPARED.incrementAndGet();
    if (KERNELS.size() >= MAX_KERNELS) {
      KERNELS.clear();
    }
    PreparedKernel raced = KERNELS.putIfAbsent(key, k);
    return raced != null ? raced : k;
  }

  /**
   * One eager application: the primitive (an enum constant, compared by identity), its parameters,
   * its operand types and its result type. The hash is computed once, since a lookup both hashes
   * and compares.
   */
  private static final class Key {
    private final Object primitive;
    private final Params params;
    private final TensorType[] inputs;
    private final TensorType out;
    private final int hash;

    Key(Object primitive, Params params, CpuTensor[] in, TensorType out) {
      this.primitive = primitive;
      this.params = params;
      this.inputs = new TensorType[in.length];
      for (int i = 0; i < in.length; i++) {
        inputs[i] = in[i].type();
      }
      this.out = out;
      this.hash =
          ((primitive.hashCode() * 31 + params.hashCode()) * 31 + Arrays.hashCode(inputs)) * 31
              + out.hashCode();
    }

    @Override
    public int hashCode() {
      return hash;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Key k
          && k.hash == hash
          && k.primitive == primitive
          && k.out.equals(out)
          && Arrays.equals(k.inputs, inputs)
          && k.params.equals(params);
    }
  }
}
