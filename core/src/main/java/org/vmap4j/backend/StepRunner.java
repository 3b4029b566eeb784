package org.vmap4j.backend;

import java.util.List;
import java.util.function.Function;
import org.vmap4j.Tensor;
import org.vmap4j.ir.Var;

/** Runs single steps of one {@link Plan} on the CPU (see {@link Plan#cpuSteps()}). */
public interface StepRunner {
  /**
   * Runs {@code step}, reading its inputs from {@code values} (concrete host tensors, see {@link
   * HostArrays}), and returns its outputs in the order of {@link PlanStep#writes()}, as concrete
   * host tensors.
   *
   * @throws IllegalArgumentException if {@code step} is not a step of this runner's plan
   */
  List<? extends Tensor> runStep(PlanStep step, Function<Var, ? extends Tensor> values);
}
