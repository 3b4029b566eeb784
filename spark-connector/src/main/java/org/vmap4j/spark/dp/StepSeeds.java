package org.vmap4j.spark.dp;

/**
 * The sampling seed of each step, a pure function of the master seed and the step index: a retried
 * Spark task, a rerun and a resumed run all draw the same rows for the same step.
 */
final class StepSeeds {
  private StepSeeds() {}

  /**
   * SplitMix64's finalizer over {@code master + (step + 1) * golden gamma}: consecutive steps get
   * unrelated seeds, so their samples are independent as far as Spark's sampler is concerned.
   */
  static long forStep(long masterSeed, long step) {
    long z = masterSeed + (step + 1) * 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
