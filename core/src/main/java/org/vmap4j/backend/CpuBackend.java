package org.vmap4j.backend;

import org.vmap4j.compiler.Executable;

/** The built-in backend: a plan becomes an {@link Executable} (generated Java kernels). */
public final class CpuBackend implements Backend {
  static final CpuBackend INSTANCE = new CpuBackend();

  private CpuBackend() {}

  @Override
  public String name() {
    return "cpu";
  }

  @Override
  public Kind kind() {
    return Kind.CPU;
  }

  @Override
  public Availability availability() {
    return Availability.yes("the JVM");
  }

  @Override
  public Executable compile(Plan plan) {
    return Executable.of(plan);
  }

  @Override
  public String toString() {
    return "cpu";
  }
}
