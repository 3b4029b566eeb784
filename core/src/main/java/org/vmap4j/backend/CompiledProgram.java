package org.vmap4j.backend;

import java.util.List;
import org.vmap4j.Tensor;

/**
 * A program compiled by a backend. Arguments and results are concrete host tensors whatever the
 * backend (their arrays are reached through {@link HostArrays}): a device backend moves data in and
 * out itself, so callers (jit, the Spark connector) never see device memory. Safe to call from
 * several threads at once.
 */
public interface CompiledProgram {
  /**
   * Runs the program on concrete host inputs (in the program's input order, of its input types) and
   * returns its outputs in order, as concrete host tensors.
   *
   * @throws IllegalArgumentException if an argument is not a concrete host tensor (a traced value)
   */
  List<? extends Tensor> run(List<? extends Tensor> args);
}
