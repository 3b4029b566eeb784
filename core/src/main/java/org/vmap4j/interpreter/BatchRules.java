package org.vmap4j.interpreter;

import org.vmap4j.Tensor;

/**
 * Helpers that batching rules share. A rule receives each operand with the position of its batch
 * dimension (or {@link #NOT_MAPPED}) and computes the primitive for the whole batch at once,
 * usually by moving batch dimensions to the front and adjusting the primitive's parameters.
 */
public final class BatchRules {
  /** The batch dimension of an operand that is the same for every example. */
  public static final int NOT_MAPPED = -1;

  private BatchRules() {}

  /** {@code x} with dimension {@code from} moved to position {@code to} (others keep order). */
  public static Tensor moveAxis(Tensor x, int from, int to) {
    if (from == to) {
      return x;
    }
    int n = x.ndim();
    int[] perm = new int[n];
    int[] rest = Shapes.complement(n, new int[] {from});
    for (int i = 0, k = 0; i < n; i++) {
      perm[i] = i == to ? from : rest[k++];
    }
    return x.permute(perm);
  }

  /** A mapped operand with its batch dimension first. */
  public static Tensor atFront(Tensor x, int dim) {
    return moveAxis(x, dim, 0);
  }

  /**
   * Every operand with a batch dimension of {@code size} first: mapped operands have theirs moved,
   * unmapped ones are broadcast (a view, nothing is copied).
   */
  public static Tensor[] allAtFront(Tensor[] args, int[] dims, int size) {
    Tensor[] out = new Tensor[args.length];
    for (int i = 0; i < args.length; i++) {
      out[i] = dims[i] == NOT_MAPPED ? withBatch(args[i], size) : atFront(args[i], dims[i]);
    }
    return out;
  }

  /** An unmapped operand broadcast to {@code [size, ...its shape]}. */
  public static Tensor withBatch(Tensor x, int size) {
    return x.broadcastTo(Shapes.concat(new int[] {size}, x.shape()));
  }

  /**
   * The rule of element-wise primitives: when every operand is mapped at the same dimension the
   * primitive applies as it is; otherwise batch dimensions move to the front first.
   */
  public static Batched elementwise(
      Primitive primitive, Tensor[] args, int[] dims, Params params, int size) {
    boolean aligned = true;
    for (int d : dims) {
      aligned &= d == dims[0] && d != NOT_MAPPED;
    }
    if (aligned) {
      return Batched.of(Interpreters.bind1(primitive, params, args), dims[0]);
    }
    return Batched.of(Interpreters.bind1(primitive, params, allAtFront(args, dims, size)), 0);
  }

  /** {@code axes} of an operand shifted past a new leading batch dimension. */
  public static int[] shifted(int[] axes) {
    int[] out = new int[axes.length];
    for (int i = 0; i < axes.length; i++) {
      out[i] = axes[i] + 1;
    }
    return out;
  }

  /** {@code values} with {@code first} put in front. */
  public static int[] prepend(int first, int[] values) {
    return Shapes.concat(new int[] {first}, values);
  }
}
