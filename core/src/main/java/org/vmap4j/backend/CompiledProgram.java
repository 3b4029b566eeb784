package org.vmap4j.backend;

import java.util.List;
import org.vmap4j.cpu.CpuTensor;

/**
 * A program compiled by a backend. Arguments and results are host tensors whatever the backend: a
 * device backend moves data in and out itself, so callers (jit, the Spark connector) never see
 * device memory. Safe to call from several threads at once.
 */
public interface CompiledProgram {
  /**
   * Runs the program on concrete inputs (in the program's input order, of its input types) and
   * returns its outputs in order.
   */
  List<CpuTensor> run(List<CpuTensor> args);
}
