package org.vmap4j.spark.dp;

/**
 * What one finished DP-SGD step reports: its index (from 0), the number of rows its Poisson sample
 * drew (a random number around {@code q·N}, possibly 0), and the {@code ε} spent so far, at the
 * trainer's {@code δ}, including this step.
 */
public record DpSgdStep(long step, long sampledRows, double epsilon) {}
