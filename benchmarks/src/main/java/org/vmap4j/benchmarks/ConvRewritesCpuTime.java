package org.vmap4j.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
import org.vmap4j.DType;
import org.vmap4j.Func;
import org.vmap4j.InDims;
import org.vmap4j.PerSampleGrads;
import org.vmap4j.Tensor;
import org.vmap4j.Tree;
import org.vmap4j.nn.Functional;

/**
 * Per-sample gradient norms, clipped sum and dot with a reference for one-layer models that the
 * issue 19 rewrites of the last session cover: a grouped conv2d, a depthwise conv2d, a conv1d, a
 * conv3d and a tied embedding (F32, B = 64). Each reduction runs two ways, alternated call by call
 * in one JVM: {@link PerSampleGrads} compiled (the rewrites fire where their cost rules say) and
 * the materialized route, {@code jit(vmap(grad))} then the same reduction by hand, itself jitted.
 * Times are the calling thread's CPU time (run with {@code -Dvmap4j.threads=1}).
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -Dvmap4j.threads=1 -Xss8m -Xmx2g -cp
 * benchmarks/target/benchmarks.jar org.vmap4j.benchmarks.ConvRewritesCpuTime [models...]}; it
 * prints each model's {@code explain} header lines (the rule counts) before its timings.
 */
public final class ConvRewritesCpuTime {
  static final int BATCH = 64;
  private static final int ROUNDS = 15;
  private static final long WARM_UP_NS = 1_000_000_000L;
  private static final double MAX_NORM = 1.0;
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private ConvRewritesCpuTime() {}

  /** A convolution's weight and bias, or a tied embedding's table and scale. */
  record Params(Tensor weight, Tensor other) {}

  /** One model: a per-example loss, its parameters, a batch and a reference gradient. */
  record Model(
      String name,
      BiFunction<Params, Tensor, Tensor> loss,
      Params params,
      Tensor batch,
      Params r) {}

  private static Params convParams(long seed, int cout, int cinPerGroup, int... window) {
    int[] shape = new int[window.length + 2];
    shape[0] = cout;
    shape[1] = cinPerGroup;
    System.arraycopy(window, 0, shape, 2, window.length);
    double scale = 1.0 / Math.sqrt(cinPerGroup * Arrays.stream(window).reduce(1, (a, c) -> a * c));
    return new Params(
        Tensor.randomNormal(seed, DType.F32, shape).mul(scale),
        Tensor.randomNormal(seed + 1, DType.F32, cout).mul(0.1));
  }

  /** {@code layer(x).tanh().square().sum()}, the loss of nn's PerSampleModelsTest. */
  private static BiFunction<Params, Tensor, Tensor> convLoss(
      Function<Params, Function<Tensor, Tensor>> layer) {
    return (p, x) -> layer.apply(p).apply(x).tanh().square().sum();
  }

  static Map<String, Supplier<Model>> models() {
    Map<String, Supplier<Model>> models = new LinkedHashMap<>();
    // 64 to 128 channels in 4 groups, 3x3, stride 2, padding 1, over 8x8: T = 16, per group
    // CK = 144, O/G = 32, 16·(144+32) < 144·32: norms rewritten
    models.put(
        "grouped_conv2d",
        () ->
            new Model(
                "grouped_conv2d",
                convLoss(
                    p ->
                        x ->
                            Functional.conv2d(
                                x,
                                p.weight(),
                                p.other(),
                                new int[] {2, 2},
                                new int[] {1, 1},
                                new int[] {1, 1},
                                4)),
                convParams(1, 128, 16, 3, 3),
                Tensor.randomNormal(3, DType.F32, BATCH, 64, 8, 8),
                convParams(4, 128, 16, 3, 3)));
    // 32 channels, one filter each, 3x3, padding 1, over 16x16: T = 256, norms formed by the rule
    models.put(
        "depthwise_conv2d",
        () ->
            new Model(
                "depthwise_conv2d",
                convLoss(
                    p ->
                        x ->
                            Functional.conv2d(
                                x,
                                p.weight(),
                                p.other(),
                                new int[] {1, 1},
                                new int[] {1, 1},
                                new int[] {1, 1},
                                32)),
                convParams(11, 32, 1, 3, 3),
                Tensor.randomNormal(13, DType.F32, BATCH, 32, 16, 16),
                convParams(14, 32, 1, 3, 3)));
    // 64 to 128 channels, window 5, stride 2, padding 2, over 32: T = 16, 16·(320+128) < 320·128
    models.put(
        "conv1d",
        () ->
            new Model(
                "conv1d",
                convLoss(
                    p ->
                        x ->
                            Functional.conv1d(
                                x,
                                p.weight(),
                                p.other(),
                                new int[] {2},
                                new int[] {2},
                                new int[] {1},
                                1)),
                convParams(21, 128, 64, 5),
                Tensor.randomNormal(23, DType.F32, BATCH, 64, 32),
                convParams(24, 128, 64, 5)));
    // 16 to 32 channels, 3x3x3, stride 2, padding 1, over 4x4x4: T = 8, 8·(432+32) < 432·32
    models.put(
        "conv3d",
        () ->
            new Model(
                "conv3d",
                convLoss(
                    p ->
                        x ->
                            Functional.conv3d(
                                x,
                                p.weight(),
                                p.other(),
                                new int[] {2, 2, 2},
                                new int[] {1, 1, 1},
                                new int[] {1, 1, 1},
                                1)),
                convParams(31, 32, 16, 3, 3, 3),
                Tensor.randomNormal(33, DType.F32, BATCH, 16, 4, 4, 4),
                convParams(34, 32, 16, 3, 3, 3)));
    // V = 1000, D = 32, 12 tokens per example, logits h Wᵀ per token (docs/persample.md's example)
    models.put(
        "tied_embedding",
        () ->
            new Model(
                "tied_embedding",
                (p, t) -> {
                  Tensor h = Functional.embedding(t, p.weight()).mul(p.other()).tanh();
                  return h.matmul(p.weight().transpose()).logSumExp(1).sum();
                },
                tiedParams(41),
                tokens(43, BATCH, 12, 1000),
                tiedParams(44)));
    return models;
  }

  private static Params tiedParams(long seed) {
    return new Params(
        Tensor.randomNormal(seed, DType.F32, 1000, 32).mul(0.2),
        Tensor.randomNormal(seed + 1, DType.F32, 32));
  }

  private static Tensor tokens(long seed, int b, int t, int vocabulary) {
    java.util.Random random = new java.util.Random(seed);
    long[] idx = new long[b * t];
    for (int i = 0; i < idx.length; i++) {
      idx[i] = random.nextInt(vocabulary);
    }
    return Tensor.of(idx, b, t);
  }

  // ------------------------------------------------- the materialized route's reductions by hand

  /** Each leaf of a per-sample gradient pytree as {@code [B, rest]}. */
  private static List<Tensor> rows(Params g) {
    List<Tensor> out = new ArrayList<>();
    for (Tensor leaf : Tree.leaves(g)) {
      out.add(leaf.reshape(leaf.shape()[0], -1));
    }
    return out;
  }

  static Tensor norms(Params g) {
    Tensor total = null;
    for (Tensor leaf : rows(g)) {
      Tensor sq = leaf.square().sum(1);
      total = total == null ? sq : total.add(sq);
    }
    return total.sqrt();
  }

  static Params clippedSum(Params g, Tensor maxNorm) {
    Tensor n = norms(g);
    // min(1, C / (n + eps)), as PerSampleGrads writes it
    Tensor factor = Tensor.ones(n.dtype(), n.shape()[0]).div(n.add(1e-6).div(maxNorm).maximum(1.0));
    return Tree.map(
        g,
        leaf -> {
          int[] shape = new int[leaf.ndim()];
          Arrays.fill(shape, 1);
          shape[0] = leaf.shape()[0];
          return leaf.mul(factor.reshape(shape)).sum(0);
        });
  }

  static Tensor dot(Params g, Params reference) {
    List<Tensor> gs = rows(g);
    List<Tensor> rs = Tree.leaves(reference);
    Tensor total = null;
    for (int i = 0; i < gs.size(); i++) {
      Tensor d = gs.get(i).mul(rs.get(i).reshape(1, -1)).sum(1);
      total = total == null ? d : total.add(d);
    }
    return total;
  }

  // ---------------------------------------------------------------------------- the measurement

  public static void main(String[] args) {
    Map<String, Supplier<Model>> all = models();
    List<String> chosen = args.length == 0 ? new ArrayList<>(all.keySet()) : List.of(args);
    for (String name : chosen) {
      Supplier<Model> make = all.get(name);
      if (make == null) {
        throw new IllegalArgumentException(
            "ConvRewritesCpuTime: no model " + name + "; models: " + all.keySet());
      }
      run(make.get());
    }
  }

  private static void run(Model m) {
    PerSampleGrads<Params, Tensor> ps = PerSampleGrads.of(m.loss());
    System.out.println("== " + m.name() + ": input " + Arrays.toString(m.batch().shape()));
    for (String line : ps.explain(m.params(), m.batch()).split("\n")) {
      if (line.matches("^(squaredNorms|clippedSum|dot|project) \\(.*")) {
        System.out.println("   " + line);
      }
    }
    BiFunction<Params, Tensor, Params> perSample =
        Func.jit(Func.vmap(Func.grad(m.loss()), InDims.of(null, 0)));
    Function<Params, Tensor> normsByHand = Func.jit(ConvRewritesCpuTime::norms);
    BiFunction<Params, Tensor, Params> clippedByHand = Func.jit(ConvRewritesCpuTime::clippedSum);
    BiFunction<Params, Params, Tensor> dotByHand = Func.jit(ConvRewritesCpuTime::dot);
    Tensor c = Tensor.scalar(DType.F32, MAX_NORM);
    Params p = m.params();
    Tensor x = m.batch();
    // both routes compute the same numbers (F32): a benchmark of two different things is no use
    check(m.name() + " norms", ps.norms(p, x), normsByHand.apply(perSample.apply(p, x)));
    check(m.name() + " dot", ps.dot(p, x, m.r()), dotByHand.apply(perSample.apply(p, x), m.r()));
    Params sumA = ps.clippedSum(p, x, MAX_NORM);
    Params sumB = clippedByHand.apply(perSample.apply(p, x), c);
    check(m.name() + " clipped_sum weight", sumA.weight(), sumB.weight());
    check(m.name() + " clipped_sum other", sumA.other(), sumB.other());
    BiFunction<Params, Tensor, Tensor> forward =
        Func.jit((q, xs) -> Func.vmap(m.loss(), InDims.of(null, 0)).apply(q, xs).sum());
    single(m.name() + " forward", () -> forward.apply(p, x));
    compare(
        m.name() + " norms", () -> ps.norms(p, x), () -> normsByHand.apply(perSample.apply(p, x)));
    compare(
        m.name() + " clipped_sum",
        () -> ps.clippedSum(p, x, MAX_NORM),
        () -> clippedByHand.apply(perSample.apply(p, x), c));
    compare(
        m.name() + " dot",
        () -> ps.dot(p, x, m.r()),
        () -> dotByHand.apply(perSample.apply(p, x), m.r()));
  }

  private static void check(String what, Tensor rewritten, Tensor formed) {
    if (!rewritten.allClose(formed, 1e-3, 1e-4)) {
      throw new AssertionError(
          what + ": the rewritten and materialized routes differ beyond F32 rounding");
    }
  }

  /** Warms both routes, then alternates them call by call; prints medians, bests and ratios. */
  private static void compare(String row, Supplier<Object> rewritten, Supplier<Object> formed) {
    for (Supplier<Object> route : List.of(rewritten, formed)) {
      long start = THREADS.getCurrentThreadCpuTime();
      for (int i = 0; i < 3 || THREADS.getCurrentThreadCpuTime() - start < WARM_UP_NS; i++) {
        route.get();
      }
    }
    double[] a = new double[ROUNDS];
    double[] b = new double[ROUNDS];
    for (int i = 0; i < ROUNDS; i++) {
      boolean rewrittenFirst = i % 2 == 0;
      if (rewrittenFirst) {
        a[i] = time(rewritten);
        b[i] = time(formed);
      } else {
        b[i] = time(formed);
        a[i] = time(rewritten);
      }
    }
    Arrays.sort(a);
    Arrays.sort(b);
    double medianA = a[ROUNDS / 2];
    double medianB = b[ROUNDS / 2];
    System.out.printf(
        "%-30s rewritten median %8.3f ms best %8.3f ms | materialized median %8.3f ms best %8.3f"
            + " ms | materialized / rewritten: medians %5.2fx, bests %5.2fx%n",
        row, medianA, a[0], medianB, b[0], medianB / medianA, b[0] / a[0]);
  }

  /** The summed batch loss alone: the floor under every reduction (each needs the forward). */
  private static void single(String row, Supplier<Object> call) {
    long start = THREADS.getCurrentThreadCpuTime();
    for (int i = 0; i < 3 || THREADS.getCurrentThreadCpuTime() - start < WARM_UP_NS; i++) {
      call.get();
    }
    double[] ms = new double[ROUNDS];
    for (int i = 0; i < ROUNDS; i++) {
      ms[i] = time(call);
    }
    Arrays.sort(ms);
    System.out.printf("%-30s median %8.3f ms best %8.3f ms%n", row, ms[ROUNDS / 2], ms[0]);
  }

  private static double time(Supplier<Object> call) {
    long t0 = THREADS.getCurrentThreadCpuTime();
    Object keep = call.get();
    double ms = (THREADS.getCurrentThreadCpuTime() - t0) / 1e6;
    sink ^= System.identityHashCode(keep);
    return ms;
  }

  /** Keeps results reachable. */
  static volatile int sink;
}
