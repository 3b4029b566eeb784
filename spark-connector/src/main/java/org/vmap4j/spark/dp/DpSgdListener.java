package org.vmap4j.spark.dp;

/** Called on the driver after every DP-SGD step (after the update and the accountant). */
@FunctionalInterface
public interface DpSgdListener {
  void onStep(DpSgdStep step);
}
