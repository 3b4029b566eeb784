package org.vmap4j.spark.dp;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.vmap4j.Tensor;
import org.vmap4j.privacy.PrivacyAccountant;
import org.vmap4j.spark.PerSampleGradients;
import org.vmap4j.spark.SerializableBiFunction;
import org.vmap4j.spark.VmapUdf;

/**
 * Differentially private SGD over a Spark DataFrame (DP-SGD with Poisson sampling).
 *
 * <pre>{@code
 * DpSgdResult<Params> r =
 *     DpSgd.of(loss, initialParams)          // loss(params, example) -> scalar
 *         .inputColumns("features", "label")
 *         .sampleRate(0.01)                  // q: each row kept with probability q per step
 *         .noiseMultiplier(1.1)              // sigma
 *         .clipNorm(1.0)                     // C
 *         .delta(1e-5)
 *         .steps(1000)
 *         .learningRate(0.5).momentum(0.9)
 *         .fit(df);
 * }</pre>
 *
 * <p>Each step {@code t}: {@code df.sample(false, q, seed_t)} with {@code seed_t} a function of the
 * master seed and {@code t} (so a retried task draws the same rows); executors compute the sum of
 * the sampled rows' gradients, each scaled by {@code min(1, C / (|g| + 1e-6))} to norm at most
 * {@code C} ({@link PerSampleGradients#clippedGradientSum}: compiled, and for linear layers without
 * forming any row's gradient), one partial per partition; the driver adds the partials in partition
 * order, adds {@code N(0, σ²C²)} noise to every coordinate from a {@link SecureRandom}, divides by
 * the expected batch size {@code q·N}, takes an SGD-with-momentum or {@link #adam Adam} step and
 * advances the accountant. An empty sample is an ordinary step (the update is noise only). {@code
 * N} is the row count (counted once, or given by {@link #rowCount}); it is treated as public.
 *
 * <p>Every configuration error is raised by {@link #fit} before any Spark job, naming the
 * parameter; the {@code δ < 1/N} check needs {@code N}, so it runs right after the count (before
 * any job at all when {@link #rowCount} is given).
 */
public final class DpSgd<P> {
  private static final System.Logger LOG = System.getLogger(DpSgd.class.getName());

  private final SerializableBiFunction<P, ?, Tensor> loss;
  private final P initialParams;
  private String[] inputColumns = new String[0];
  private double sampleRate = Double.NaN;
  private double noiseMultiplier = Double.NaN;
  private double clipNorm = Double.NaN;
  private double delta = Double.NaN;
  private long steps = 0;
  private double learningRate = Double.NaN;
  private double momentum = 0;
  private boolean adam = false;
  private double beta1 = Double.NaN;
  private double beta2 = Double.NaN;
  private double adamEpsilon = Double.NaN;
  private Long masterSeed;
  private Accounting accounting = Accounting.RDP;
  private double targetEpsilon = Double.POSITIVE_INFINITY;
  private DpSgdListener listener = s -> {};
  private Long insecureNoiseSeed;
  private long rowCount = -1;
  private UnaryOperator<VmapUdf> udfOptions = u -> u;
  private long checkpointEvery = 0;
  private Path checkpointDir;
  private Path resumeDir;

  private DpSgd(SerializableBiFunction<P, ?, Tensor> loss, P initialParams) {
    this.loss = Objects.requireNonNull(loss, "loss");
    this.initialParams = Objects.requireNonNull(initialParams, "initialParams");
  }

  /** A trainer of {@code params} for the per-example loss {@code lossFn(params, example)}. */
  public static <P, X> DpSgd<P> of(SerializableBiFunction<P, X, Tensor> lossFn, P params) {
    return new DpSgd<>(lossFn, params);
  }

  /** The example's columns, as {@link PerSampleGradients#inputColumns} takes them. */
  public DpSgd<P> inputColumns(String... names) {
    this.inputColumns = names.clone();
    return this;
  }

  /** {@code q} in {@code (0, 1]}: the probability that a step samples each row. */
  public DpSgd<P> sampleRate(double q) {
    this.sampleRate = q;
    return this;
  }

  /** {@code σ > 0}: noise standard deviation over the clipping norm. */
  public DpSgd<P> noiseMultiplier(double sigma) {
    this.noiseMultiplier = sigma;
    return this;
  }

  /** {@code C > 0}: every example's gradient is scaled to L2 norm at most {@code C}. */
  public DpSgd<P> clipNorm(double c) {
    this.clipNorm = c;
    return this;
  }

  /** {@code δ} in {@code (0, 1/N)}: the δ at which ε is reported. */
  public DpSgd<P> delta(double delta) {
    this.delta = delta;
    return this;
  }

  /** The number of steps ({@code > 0}); fewer are taken if {@link #targetEpsilon} stops first. */
  public DpSgd<P> steps(long steps) {
    this.steps = steps;
    return this;
  }

  public DpSgd<P> learningRate(double lr) {
    this.learningRate = lr;
    return this;
  }

  /** Heavy-ball momentum in {@code [0, 1)}; 0 (the default) is plain SGD. */
  public DpSgd<P> momentum(double momentum) {
    this.momentum = momentum;
    return this;
  }

  /**
   * Adam instead of SGD: moments with decay rates {@code beta1}, {@code beta2} in {@code [0, 1)},
   * bias-corrected, and {@code epsilon > 0} added to the root of the second moment. It sees only
   * the noisy gradient, so it spends no privacy of its own. Not combined with {@link #momentum}.
   */
  public DpSgd<P> adam(double beta1, double beta2, double epsilon) {
    this.adam = true;
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.adamEpsilon = epsilon;
    return this;
  }

  /** Adam with the usual {@code beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8}. */
  public DpSgd<P> adam() {
    return adam(0.9, 0.999, 1e-8);
  }

  /**
   * The seed every step's sampling seed derives from; by default one from {@link SecureRandom}.
   * Whoever knows it knows which rows each step used: keep it secret.
   */
  public DpSgd<P> masterSeed(long seed) {
    this.masterSeed = seed;
    return this;
  }

  /** RDP (default) or PLD accounting. */
  public DpSgd<P> accounting(Accounting accounting) {
    this.accounting = Objects.requireNonNull(accounting, "accounting");
    return this;
  }

  /** Stop before the step that would take {@code ε} (at {@link #delta}) above this target. */
  public DpSgd<P> targetEpsilon(double epsilon) {
    this.targetEpsilon = epsilon;
    return this;
  }

  /** Called after every step with its index, sampled row count and ε so far. */
  public DpSgd<P> listener(DpSgdListener listener) {
    this.listener = Objects.requireNonNull(listener, "listener");
    return this;
  }

  /**
   * INSECURE, for tests only: draws the noise from {@code new java.util.Random(seed)}, so anyone
   * knowing the seed can subtract it. A run with this option has no privacy guarantee.
   */
  public DpSgd<P> insecureSeededNoiseForTestsOnly(long seed) {
    this.insecureNoiseSeed = seed;
    return this;
  }

  /** The dataset size {@code N} (public), instead of counting the rows. */
  public DpSgd<P> rowCount(long n) {
    this.rowCount = n;
    return this;
  }

  /**
   * Further {@link VmapUdf} options for the clipped sums; of these only {@link VmapUdf#batchSize}
   * (rows per compiled batch on an executor, 1024 by default) is used.
   */
  public DpSgd<P> configure(UnaryOperator<VmapUdf> more) {
    Objects.requireNonNull(more, "more");
    UnaryOperator<VmapUdf> before = udfOptions;
    this.udfOptions = u -> more.apply(before.apply(u));
    return this;
  }

  /**
   * Writes a checkpoint to {@code dir} after every {@code k} steps, replacing the previous one:
   * parameters and optimizer state as safetensors, step, seeds and accountant history (see
   * docs/dp.md for the layout).
   */
  public DpSgd<P> checkpointEvery(long k, Path dir) {
    if (k <= 0) {
      throw new IllegalArgumentException("DpSgd: checkpointEvery needs k > 0, got " + k);
    }
    this.checkpointEvery = k;
    this.checkpointDir = Objects.requireNonNull(dir, "dir");
    return this;
  }

  /**
   * Continues the run checkpointed in {@code dir}: its parameters, optimizer state, master seed and
   * spent privacy, up to {@link #steps} in all. With the same configuration and data it ends with
   * the parameters an uninterrupted run would have (bit for bit when the noise is the insecure
   * seeded one; with {@code SecureRandom} the remaining noise is fresh, as it should be).
   */
  public DpSgd<P> resumeFrom(Path dir) {
    this.resumeDir = Objects.requireNonNull(dir, "dir");
    return this;
  }

  /** Trains on {@code data}; cache it first (every step samples it). */
  public DpSgdResult<P> fit(Dataset<Row> data) {
    validate(data);
    if (rowCount > 0) {
      checkDeltaAgainst(rowCount);
    }
    long plannedSteps = plannedSteps();
    long n = rowCount > 0 ? rowCount : data.count();
    if (rowCount <= 0) {
      if (n == 0) {
        throw new IllegalArgumentException("DpSgd: the DataFrame has no rows");
      }
      checkDeltaAgainst(n);
    }
    return train(data, n, plannedSteps);
  }

  private DpSgdResult<P> train(Dataset<Row> data, long n, long plannedSteps) {
    long seed = masterSeed != null ? masterSeed : new SecureRandom().nextLong();
    GaussianNoise noise =
        insecureNoiseSeed != null
            ? GaussianNoise.insecureSeeded(insecureNoiseSeed)
            : GaussianNoise.secure();
    if (!noise.isSecure()) {
      LOG.log(System.Logger.Level.WARNING, "DpSgd: INSECURE seeded noise; no privacy guarantee");
    }
    FlatParameters layout = new FlatParameters(initialParams);
    double[] theta = layout.flatten(initialParams);
    Map<String, double[]> optimizerState = Map.of();
    PrivacyAccountant accountant = accounting.newAccountant();
    long start = 0;
    if (resumeDir != null) {
      Checkpoint c = resumedCheckpoint(layout);
      seed = c.masterSeed();
      theta = c.params();
      optimizerState = c.optimizerState();
      start = c.stepsDone();
      for (long t = 0; t < start; t++) {
        accountant.step(noiseMultiplier, sampleRate, 1); // as the interrupted run did
      }
    }
    FlatOptimizer optimizer = newOptimizer(layout.size(), optimizerState);
    double expectedBatch = sampleRate * n;
    long[] sampled = new long[(int) Math.max(0, plannedSteps - start)];
    double epsilon = start > 0 ? accountant.epsilon(delta) : 0;
    for (long t = start; t < plannedSteps; t++) {
      @SuppressWarnings("unchecked")
      P current = (P) layout.unflatten(theta);
      ClippedGradientSum sum = new ClippedGradientSum(gradients(current), layout);
      Dataset<Row> rows = ClippedGradientSum.sample(data, sampleRate, StepSeeds.forStep(seed, t));
      double[] sumAndCount = sum.sumWithCount(rows);
      double[] g = Arrays.copyOf(sumAndCount, layout.size());
      noise.addTo(g, noiseMultiplier * clipNorm, t);
      for (int i = 0; i < g.length; i++) {
        g[i] /= expectedBatch;
      }
      optimizer.update(theta, g, t + 1);
      accountant.step(noiseMultiplier, sampleRate, 1);
      epsilon = accountant.epsilon(delta);
      sampled[(int) (t - start)] = (long) sumAndCount[layout.size()];
      DpSgdStep report = new DpSgdStep(t, sampled[(int) (t - start)], epsilon);
      LOG.log(
          System.Logger.Level.INFO,
          () ->
              String.format(
                  "DpSgd step %d/%d: %d rows sampled (expected %.1f), epsilon %.4f at delta %g",
                  report.step() + 1,
                  plannedSteps,
                  report.sampledRows(),
                  expectedBatch,
                  report.epsilon(),
                  delta));
      listener.onStep(report);
      if (checkpointEvery > 0 && (t + 1) % checkpointEvery == 0) {
        new Checkpoint(
                t + 1,
                seed,
                insecureNoiseSeed,
                noiseMultiplier,
                sampleRate,
                accounting,
                optimizer.name(),
                theta.clone(),
                optimizer.state())
            .writeTo(checkpointDir, layout);
      }
    }
    @SuppressWarnings("unchecked")
    P trained = (P) layout.unflatten(theta);
    return new DpSgdResult<>(
        trained, plannedSteps, epsilon, delta, sampled, seed, plannedSteps < steps);
  }

  /** The optimizer, fresh or with the state vectors of a checkpoint. */
  private FlatOptimizer newOptimizer(int size, Map<String, double[]> state) {
    if (adam) {
      return new Adam(
          learningRate,
          beta1,
          beta2,
          adamEpsilon,
          state.getOrDefault(Adam.FIRST_MOMENT, new double[size]),
          state.getOrDefault(Adam.SECOND_MOMENT, new double[size]));
    }
    return new MomentumSgd(
        learningRate, momentum, state.getOrDefault(MomentumSgd.VELOCITY, new double[size]));
  }

  /** The checkpoint to resume from, checked against this configuration. */
  private Checkpoint resumedCheckpoint(FlatParameters layout) {
    Checkpoint c = Checkpoint.readFrom(resumeDir, layout);
    if (c.noiseMultiplier() != noiseMultiplier || c.sampleRate() != sampleRate) {
      throw new IllegalArgumentException(
          "DpSgd: the checkpoint in "
              + resumeDir
              + " was taken with noiseMultiplier "
              + c.noiseMultiplier()
              + " and sampleRate "
              + c.sampleRate()
              + ", this run has "
              + noiseMultiplier
              + " and "
              + sampleRate);
    }
    String optimizer = adam ? Adam.NAME : MomentumSgd.NAME;
    if (!c.optimizer().equals(optimizer)) {
      throw new IllegalArgumentException(
          "DpSgd: the checkpoint in "
              + resumeDir
              + " was taken with the optimizer \""
              + c.optimizer()
              + "\", this run uses \""
              + optimizer
              + "\"");
    }
    if (!Objects.equals(c.insecureNoiseSeed(), insecureNoiseSeed)) {
      throw new IllegalArgumentException(
          "DpSgd: the checkpoint in "
              + resumeDir
              + " has insecure noise seed "
              + c.insecureNoiseSeed()
              + ", this run has "
              + insecureNoiseSeed
              + " (null: SecureRandom noise)");
    }
    if (masterSeed != null && masterSeed != c.masterSeed()) {
      throw new IllegalArgumentException(
          "DpSgd: masterSeed differs from the checkpoint's in " + resumeDir + "; leave it unset");
    }
    return c;
  }

  private PerSampleGradients gradients(P params) {
    return PerSampleGradients.of(loss, params)
        .inputColumns(inputColumns)
        .clipNorm(clipNorm)
        .configure(udfOptions);
  }

  /** {@link #steps}, or fewer: the most steps whose ε stays within {@link #targetEpsilon}. */
  private long plannedSteps() {
    if (Double.isInfinite(targetEpsilon)) {
      return steps;
    }
    if (epsilonAfter(steps) <= targetEpsilon) {
      return steps;
    }
    long lo = 0; // epsilonAfter(lo) <= target
    long hi = steps; // epsilonAfter(hi) > target
    while (hi - lo > 1) {
      long mid = (lo + hi) >>> 1;
      if (epsilonAfter(mid) <= targetEpsilon) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    if (lo == 0) {
      throw new IllegalArgumentException(
          "DpSgd: targetEpsilon "
              + targetEpsilon
              + " is exceeded by a single step (epsilon "
              + epsilonAfter(1)
              + "); raise noiseMultiplier or targetEpsilon, or lower sampleRate");
    }
    return lo;
  }

  private double epsilonAfter(long k) {
    return accounting.newAccountant().step(noiseMultiplier, sampleRate, k).epsilon(delta);
  }

  private void validate(Dataset<Row> data) {
    Objects.requireNonNull(data, "data");
    if (inputColumns.length == 0) {
      throw new IllegalArgumentException("DpSgd: name the example's inputColumns(...)");
    }
    List<String> present = Arrays.asList(data.columns());
    for (String c : inputColumns) {
      if (!present.contains(c)) {
        throw new IllegalArgumentException(
            "DpSgd: inputColumns names \""
                + c
                + "\", which the DataFrame lacks; it has "
                + present);
      }
    }
    if (!(sampleRate > 0 && sampleRate <= 1)) {
      throw new IllegalArgumentException(
          "DpSgd: sampleRate (q) must be in (0, 1], got " + sampleRate);
    }
    if (!(noiseMultiplier > 0) || Double.isInfinite(noiseMultiplier)) {
      throw new IllegalArgumentException(
          "DpSgd: noiseMultiplier (sigma) must be positive and finite, got " + noiseMultiplier);
    }
    if (!(clipNorm > 0) || Double.isInfinite(clipNorm)) {
      throw new IllegalArgumentException(
          "DpSgd: clipNorm (C) must be positive and finite, got " + clipNorm);
    }
    if (!(delta > 0 && delta < 1)) {
      throw new IllegalArgumentException("DpSgd: delta must be in (0, 1/N), got " + delta);
    }
    if (steps <= 0) {
      throw new IllegalArgumentException("DpSgd: steps must be positive, got " + steps);
    }
    if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
      throw new IllegalArgumentException(
          "DpSgd: learningRate must be positive and finite, got " + learningRate);
    }
    if (!(momentum >= 0 && momentum < 1)) {
      throw new IllegalArgumentException("DpSgd: momentum must be in [0, 1), got " + momentum);
    }
    if (adam) {
      if (momentum != 0) {
        throw new IllegalArgumentException(
            "DpSgd: momentum applies to SGD; with adam(...) use beta1 instead (got momentum "
                + momentum
                + ")");
      }
      if (!(beta1 >= 0 && beta1 < 1)) {
        throw new IllegalArgumentException("DpSgd: adam beta1 must be in [0, 1), got " + beta1);
      }
      if (!(beta2 >= 0 && beta2 < 1)) {
        throw new IllegalArgumentException("DpSgd: adam beta2 must be in [0, 1), got " + beta2);
      }
      if (!(adamEpsilon > 0) || Double.isInfinite(adamEpsilon)) {
        throw new IllegalArgumentException(
            "DpSgd: adam epsilon must be positive and finite, got " + adamEpsilon);
      }
    }
    if (!(targetEpsilon > 0)) {
      throw new IllegalArgumentException(
          "DpSgd: targetEpsilon must be positive, got " + targetEpsilon);
    }
  }

  private void checkDeltaAgainst(long n) {
    if (delta >= 1.0 / n) {
      throw new IllegalArgumentException(
          "DpSgd: delta "
              + delta
              + " must be below 1/N = "
              + (1.0 / n)
              + " (N = "
              + n
              + " rows): a larger delta allows releasing a whole example");
    }
  }
}
