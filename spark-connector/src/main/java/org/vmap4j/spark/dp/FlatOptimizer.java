package org.vmap4j.spark.dp;

import java.util.Map;

/**
 * An optimizer of {@link DpSgd} on the flat parameter vector. It sees only the noisy, averaged
 * gradient (post-processing of a DP release), so its choice does not change the privacy spent. Its
 * state is named flat vectors, which a checkpoint stores and a resumed run hands back.
 */
interface FlatOptimizer {
  /**
   * Updates {@code params} in place with {@code gradient}; {@code update} is the 1-based number of
   * this update in the whole run (a resumed run continues the count).
   */
  void update(double[] params, double[] gradient, long update);

  /** Checkpoint name of the optimizer and its hyperparameters, e.g. {@code "adam"}. */
  String name();

  /** A copy of the state vectors, by name (each as long as the parameters). */
  Map<String, double[]> state();
}
