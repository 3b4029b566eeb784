package org.vmap4j.spark.dp;

/**
 * The outcome of {@link DpSgd#fit}: the trained parameters (same pytree type as the initial ones),
 * the number of steps taken, the {@code (ε, δ)} the accountant certifies for them, the rows each
 * step's sample drew (after {@code resumeFrom}, only the steps this call ran), the master seed the
 * samples came from, and whether training stopped early because one more step would have exceeded
 * the target {@code ε}.
 *
 * <p>The master seed decides which rows were sampled: keep it as secret as the data (see
 * docs/dp.md).
 */
public record DpSgdResult<P>(
    P params,
    long steps,
    double epsilon,
    double delta,
    long[] sampledRows,
    long masterSeed,
    boolean stoppedAtTargetEpsilon) {}
