package org.vmap4j;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

/**
 * The four reductions of per-sample gradients that jobs actually want, for a per-example loss
 * {@code loss(params, example)} over a batch (every leaf of the batch pytree has the examples along
 * dimension 0):
 *
 * <ul>
 *   <li>{@link #squaredNorms} and {@link #norms}: {@code |∇_p loss(p, x_b)|} over the whole
 *       parameter pytree, one per example (DP clipping, GraNd scores);
 *   <li>{@link #clippedSum}: {@code Σ_b g_b · min(1, C / (|g_b| + 1e-6))}, the DP-SGD sum;
 *   <li>{@link #dot}: {@code <g_b, R>} with a reference gradient pytree {@code R} (TracIn);
 *   <li>{@link #project}: {@code Ω g_b / √k}, a seeded random projection to {@code k} dimensions
 *       (TRAK-style attribution), reproducible anywhere from {@code (k, seed)}.
 * </ul>
 *
 * Each is written the way a user composes it ({@code vmap} of a reduction of {@code grad}) and run
 * under {@link Func#jit}, whose compiler computes the norms, clipped sums and dot products of
 * linear layers from the layers' inputs and output gradients without forming the per-sample
 * gradients (see docs/persample.md). {@link #materialized()} runs the same compositions eagerly,
 * forming every per-sample gradient: the reference.
 */
public final class PerSampleGrads<P, X> {
  /** A batch of inputs with their labels, for a loss {@code loss(params, input, label)}. */
  public record LabeledBatch<X, Y>(X inputs, Y labels) {}

  /** Added to each norm before dividing by it, so a zero gradient gets factor 1, not NaN. */
  static final double NORM_EPSILON = 1e-6;

  private final BiFunction<P, X, Tensor> loss;
  private final boolean compiled;
  private final BiFunction<P, X, Tensor> squaredNorms;
  private final Fn3<P, X, Tensor, P> clippedSum;
  private final Fn3<P, X, P, Tensor> dot;
  private final Fn3<P, X, List<List<Tensor>>, Tensor> project;

  private PerSampleGrads(BiFunction<P, X, Tensor> loss, boolean compiled) {
    this.loss = loss;
    this.compiled = compiled;
    BiFunction<P, X, Tensor> sq = composedSquaredNorms(loss);
    Fn3<P, X, Tensor, P> clip = composedClippedSum(loss);
    Fn3<P, X, P, Tensor> d = composedDot(loss);
    Fn3<P, X, List<List<Tensor>>, Tensor> pr = composedProjection(loss);
    this.squaredNorms = compiled ? Func.jit(sq) : sq;
    this.clippedSum = compiled ? Func.jit(clip) : clip;
    this.dot = compiled ? Func.jit(d) : d;
    this.project = compiled ? Func.jit(pr) : pr;
  }

  /**
   * The reductions of the per-sample gradients of {@code perExampleLoss} (a scalar per example).
   */
  public static <P, X> PerSampleGrads<P, X> of(BiFunction<P, X, Tensor> perExampleLoss) {
    if (perExampleLoss == null) {
      throw new IllegalArgumentException("perExampleLoss must not be null");
    }
    return new PerSampleGrads<>(perExampleLoss, true);
  }

  /** For a loss of an example and its label: call the reductions with a {@link LabeledBatch}. */
  public static <P, X, Y> PerSampleGrads<P, LabeledBatch<X, Y>> of(
      Fn3<P, X, Y, Tensor> perExampleLoss) {
    if (perExampleLoss == null) {
      throw new IllegalArgumentException("perExampleLoss must not be null");
    }
    return new PerSampleGrads<>((p, xy) -> perExampleLoss.apply(p, xy.inputs(), xy.labels()), true);
  }

  /**
   * The same reductions run eagerly through {@code vmap(grad(loss))}: every per-sample gradient is
   * formed ({@code B} times the parameters' memory). The reference the compiled route is tested
   * against.
   */
  public PerSampleGrads<P, X> materialized() {
    return new PerSampleGrads<>(loss, false);
  }

  /** Whether the reductions run compiled (the default) rather than {@link #materialized()}. */
  public boolean isCompiled() {
    return compiled;
  }

  /** {@code vmap(grad(loss))}: every per-sample gradient, each leaf with a leading batch axis. */
  public P perSampleGrads(P params, X batch) {
    checkBatch(batch);
    return Func.vmap(Func.grad(loss), InDims.of(null, 0)).apply(params, batch);
  }

  /** {@code [B]}: the squared norm of each example's gradient over all parameter leaves. */
  public Tensor squaredNorms(P params, X batch) {
    checkBatch(batch);
    return squaredNorms.apply(params, batch);
  }

  /** {@code [B]}: the norm of each example's gradient over all parameter leaves. */
  public Tensor norms(P params, X batch) {
    return squaredNorms(params, batch).sqrt();
  }

  /**
   * {@code Σ_b g_b · min(1, maxNorm / (|g_b| + 1e-6))}: each example's gradient clipped to norm at
   * most {@code maxNorm}, summed over the batch (the params' structure).
   */
  public P clippedSum(P params, X batch, double maxNorm) {
    if (!(maxNorm > 0) || Double.isInfinite(maxNorm)) {
      throw new IllegalArgumentException(
          "maxNorm must be a finite positive number, got " + maxNorm);
    }
    checkBatch(batch);
    Tensor c = Tensor.scalar(Tree.leaves(params).get(0).dtype(), maxNorm);
    return clippedSum.apply(params, batch, c);
  }

  /** {@code [B]}: {@code <g_b, reference>}, summed over all leaves. */
  public Tensor dot(P params, X batch, P reference) {
    checkBatch(batch);
    checkSameStructure(params, reference);
    return dot.apply(params, batch, reference);
  }

  /**
   * {@code [B, k]}: each example's gradient projected to {@code k} dimensions by a random matrix
   * {@code Ω} fixed by {@code (k, seed)} and the parameters' shapes, scaled by {@code 1/√k} (so
   * squared norms are preserved in expectation). A leaf of shape {@code [M, rest...]} is projected
   * by rows {@code p_j ⊗ q_j} with Gaussian {@code p_j ∈ R^M}, {@code q_j ∈ R^{rest}} (a
   * Kronecker-factored, rank-one row per output); a vector or scalar leaf by Gaussian rows.
   */
  public Tensor project(P params, X batch, int k, long seed) {
    if (k < 1) {
      throw new IllegalArgumentException("k must be at least 1, got " + k);
    }
    checkBatch(batch);
    return project.apply(params, batch, projectionFactors(params, k, seed));
  }

  /**
   * The factors of the projection {@link #project} uses, one list per parameter leaf (in {@link
   * Tree#leaves} order): {@code [p:[k,M], q:[k,rest]]} for a leaf of shape {@code [M, rest...]},
   * {@code [w:[k,size]]} for a vector or scalar. Row {@code j} of {@code Ω} is, leaf by leaf,
   * {@code p_j ⊗ q_j} (or {@code w_j}); the result is {@code Ω g / √k}.
   */
  public static List<List<Tensor>> projectionFactors(Object params, int k, long seed) {
    List<List<Tensor>> out = new ArrayList<>();
    List<Tensor> leaves = Tree.leaves(params);
    for (int i = 0; i < leaves.size(); i++) {
      Tensor leaf = leaves.get(i);
      DType dt = leaf.dtype() == DType.F32 ? DType.F32 : DType.F64;
      int[] s = leaf.shape();
      if (s.length >= 2) {
        int rest = leaf.size() / s[0];
        out.add(
            List.of(
                Tensor.randomNormal(mix(seed, i, 0), dt, k, s[0]),
                Tensor.randomNormal(mix(seed, i, 1), dt, k, rest)));
      } else {
        out.add(List.of(Tensor.randomNormal(mix(seed, i, 0), dt, k, s.length == 1 ? s[0] : 1)));
      }
    }
    return out;
  }

  /** A seed per (leaf, factor): a fixed integer mix, so the projection is the same everywhere. */
  private static long mix(long seed, int leaf, int factor) {
    long z = seed + 0x9E3779B97F4A7C15L * (2L * leaf + factor + 1);
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /**
   * The optimized programs the compiled route runs for {@link #squaredNorms}, {@link #clippedSum},
   * {@link #dot} and {@link #project} (at k=4) at these arguments' shapes, as text: an equation
   * marked {@code rewrite=...} shows where the compiler computed a reduction from a layer's factors
   * (docs/persample.md). Each program is headed by a line counting the parameter leaves of two or
   * more dimensions reduced that way and those whose per-sample gradients are formed (the
   * fall-back).
   */
  public String explain(P params, X batch) {
    checkBatch(batch);
    BiFunction<P, X, Tensor> sq = composedSquaredNorms(loss);
    Tensor c = Tensor.scalar(Tree.leaves(params).get(0).dtype(), 1.0);
    return section("squaredNorms", Func.trace(sq, params, batch), params, "ghost_norm")
        + "\n"
        + section(
            "clippedSum",
            Func.trace(composedClippedSum(loss), params, batch, c),
            params,
            "ghost_norm",
            "ghost_clipped_sum")
        + "\n"
        + section(
            "dot", Func.trace(composedDot(loss), params, batch, params), params, "per_sample_dot")
        + "\n"
        + section(
            "project",
            Func.trace(composedProjection(loss), params, batch, projectionFactors(params, 4, 0)),
            params,
            "rank_one_projection");
  }

  /**
   * {@code name}, a line counting, for each rewrite the reduction can use, the parameter leaves of
   * two or more dimensions (those whose per-sample gradients are matrices or filters) it reduced
   * from their factors, and how many leaves' per-sample gradients are formed as written (the
   * fall-back; a clipped sum needs the norms too, so a leaf whose norm is not rewritten is formed
   * there), then the optimized program.
   */
  private static String section(
      String name, org.vmap4j.ir.Program traced, Object params, String... marks) {
    String program = org.vmap4j.compiler.ProgramCompiler.optimize(traced).toString();
    int weights = 0;
    for (Tensor leaf : Tree.leaves(params)) {
      weights += leaf.ndim() >= 2 ? 1 : 0;
    }
    StringBuilder line = new StringBuilder(name).append(" (");
    int fewest = weights;
    for (String mark : marks) {
      int n = program.split("rewrite=" + mark, -1).length - 1;
      fewest = Math.min(fewest, n);
      line.append(n).append(" of ").append(weights).append(" weight leaves ").append(mark);
      line.append(", ");
    }
    int formed = weights - fewest;
    line.append(
        formed == 0
            ? "no per-sample weight gradient formed"
            : formed + " per-sample weight gradients formed as written: the fall-back");
    return line.append(")\n").append(program).toString();
  }

  /**
   * The program {@link Func#jit} runs for {@code f} at these arguments' shapes, after the
   * compiler's passes, as text: for a reduction of per-sample gradients written by hand, an
   * equation marked {@code rewrite=...} shows that the compiler computed it from a layer's factors;
   * no mark means the per-sample gradients are formed as written (docs/persample.md).
   */
  public static <A, B, R> String optimizedProgram(BiFunction<A, B, R> f, A a, B b) {
    return org.vmap4j.compiler.ProgramCompiler.optimize(Func.trace(f, a, b)).toString();
  }

  // ------------------------------------------------------------ the compositions, as a user writes

  private static <P, X> BiFunction<P, X, Tensor> composedSquaredNorms(
      BiFunction<P, X, Tensor> loss) {
    BiFunction<P, X, Tensor> perExample = (p, x) -> squaredNorm(Func.grad(loss).apply(p, x));
    return Func.vmap(perExample, InDims.of(null, 0));
  }

  /**
   * One example's squared gradient norm over all leaves, {@code Σ_leaves sum(g²)}: written in the
   * form the compiler's ghost-norm rewrite recognizes under {@code vmap} (use it inside a
   * per-example function of your own, as the Spark connector does).
   */
  public static Tensor squaredNorm(Object gradient) {
    Tensor total = null;
    for (Tensor g : Tree.leaves(gradient)) {
      Tensor sq = g.square().sum();
      total = total == null ? sq : total.add(sq);
    }
    return total;
  }

  /** One example's gradient with its squared norm (one backward pass serves both). */
  private record GradAndSquaredNorm<P>(P gradient, Tensor squaredNorm) {}

  private static <P, X> Fn3<P, X, Tensor, P> composedClippedSum(BiFunction<P, X, Tensor> loss) {
    BiFunction<P, X, P> grad = Func.grad(loss);
    BiFunction<P, X, GradAndSquaredNorm<P>> perExample =
        (p, x) -> {
          P g = grad.apply(p, x);
          return new GradAndSquaredNorm<>(g, squaredNorm(g));
        };
    BiFunction<P, X, GradAndSquaredNorm<P>> perSample = Func.vmap(perExample, InDims.of(null, 0));
    return (p, xs, maxNorm) -> {
      GradAndSquaredNorm<P> all = perSample.apply(p, xs);
      Tensor norms = all.squaredNorm().sqrt();
      int b = norms.shape()[0];
      // min(1, C / (n + eps)) as 1 / max(1, (n + eps) / C)
      Tensor factor =
          Tensor.ones(norms.dtype(), b).div(norms.add(NORM_EPSILON).div(maxNorm).maximum(1.0));
      return Tree.map(
          all.gradient(),
          g -> {
            int[] shape = new int[g.ndim()];
            java.util.Arrays.fill(shape, 1);
            shape[0] = b;
            return g.mul(factor.reshape(shape)).sum(0);
          });
    };
  }

  private static <P, X> Fn3<P, X, P, Tensor> composedDot(BiFunction<P, X, Tensor> loss) {
    BiFunction<P, X, P> grad = Func.grad(loss);
    Fn3<P, X, P, Tensor> perExample = (p, x, r) -> dotWith(grad.apply(p, x), r);
    return Func.vmap(perExample, InDims.of(null, 0, null));
  }

  /**
   * One example's {@code <g, reference>} summed over all leaves (the reference has the gradient's
   * structure), in the form the compiler's per-sample dot rewrite recognizes under {@code vmap}.
   */
  public static Tensor dotWith(Object gradient, Object reference) {
    List<Tensor> gs = Tree.leaves(gradient);
    List<Tensor> rs = Tree.leaves(reference);
    Tensor total = null;
    for (int i = 0; i < gs.size(); i++) {
      Tensor d = gs.get(i).mul(rs.get(i)).sum();
      total = total == null ? d : total.add(d);
    }
    return total;
  }

  private static <P, X> Fn3<P, X, List<List<Tensor>>, Tensor> composedProjection(
      BiFunction<P, X, Tensor> loss) {
    BiFunction<P, X, P> grad = Func.grad(loss);
    Fn3<P, X, List<List<Tensor>>, Tensor> perExample =
        (p, x, factors) -> projected(grad.apply(p, x), factors);
    return Func.vmap(perExample, InDims.of(null, 0, null));
  }

  /**
   * One example's gradient projected by the factors of {@link #projectionFactors}: {@code [k]},
   * {@code Ω g / √k}, in the form the compiler's rank-one projection rewrite recognizes under
   * {@code vmap}.
   */
  public static Tensor projected(Object gradient, List<List<Tensor>> factors) {
    List<Tensor> gs = Tree.leaves(gradient);
    Tensor total = null;
    for (int i = 0; i < gs.size(); i++) {
      Tensor g = gs.get(i);
      List<Tensor> f = factors.get(i);
      Tensor part;
      if (f.size() == 2) {
        Tensor g2 = g.reshape(g.shape()[0], g.size() / g.shape()[0]);
        part = f.get(0).matmul(g2).mul(f.get(1)).sum(1);
      } else {
        part = f.get(0).matmul(g.reshape(g.size()));
      }
      total = total == null ? part : total.add(part);
    }
    int k = total.shape()[0];
    return total.mul(1.0 / Math.sqrt(k));
  }

  // ------------------------------------------------------------ argument checks

  private static void checkBatch(Object batch) {
    Tree.Flat flat = Tree.flatten(batch);
    if (flat.leaves().isEmpty()) {
      throw new IllegalArgumentException("the batch has no tensors: give each example's data");
    }
    int b = -1;
    for (int i = 0; i < flat.leaves().size(); i++) {
      Tensor t = flat.leaves().get(i);
      if (t.ndim() == 0) {
        throw new IllegalArgumentException(
            "batch leaf " + i + " is a scalar: every batch leaf needs the examples along dim 0");
      }
      if (b < 0) {
        b = t.shape()[0];
      } else if (t.shape()[0] != b) {
        throw new IllegalArgumentException(
            "batch leaf "
                + i
                + " has "
                + t.shape()[0]
                + " examples along dim 0 but leaf 0 has "
                + b
                + ": every batch leaf needs the same batch size");
      }
    }
  }

  private static void checkSameStructure(Object params, Object reference) {
    Tree.Flat p = Tree.flatten(params);
    Tree.Flat r = Tree.flatten(reference);
    if (!p.def().equals(r.def()) || p.leaves().size() != r.leaves().size()) {
      throw new IllegalArgumentException(
          "the reference gradient must have the parameters' structure "
              + p.def()
              + ", got "
              + r.def());
    }
    for (int i = 0; i < p.leaves().size(); i++) {
      if (!java.util.Arrays.equals(p.leaves().get(i).shape(), r.leaves().get(i).shape())) {
        throw new IllegalArgumentException(
            "reference leaf "
                + i
                + " has shape "
                + java.util.Arrays.toString(r.leaves().get(i).shape())
                + " but parameter leaf "
                + i
                + " has "
                + java.util.Arrays.toString(p.leaves().get(i).shape()));
      }
    }
  }
}
