package org.vmap4j.backend;

import java.util.concurrent.atomic.AtomicInteger;
import org.vmap4j.compiler.Executable;

/** Service providers registered in this module's test resources (META-INF/services). */
final class TestBackends {
  private TestBackends() {}

  /** An available "accelerator" that counts compilations and runs the plan on the CPU. */
  public static final class Counting implements Backend {
    static final AtomicInteger COMPILED = new AtomicInteger();

    @Override
    public String name() {
      return "test-accel";
    }

    @Override
    public Kind kind() {
      return Kind.GPU;
    }

    @Override
    public Availability availability() {
      return Availability.yes("test device");
    }

    @Override
    public CompiledProgram compile(Plan plan) {
      COMPILED.incrementAndGet();
      return Executable.of(plan);
    }
  }

  /** An accelerator whose hardware is missing. */
  public static final class Absent implements Backend {
    @Override
    public String name() {
      return "test-absent";
    }

    @Override
    public Kind kind() {
      return Kind.GPU;
    }

    @Override
    public Availability availability() {
      return Availability.no("test: no such device");
    }

    @Override
    public CompiledProgram compile(Plan plan) {
      throw new AssertionError("compile called on an unavailable backend");
    }
  }

  /** A provider whose constructor fails, as one with a missing dependency would. */
  public static final class Broken implements Backend {
    public Broken() {
      throw new IllegalStateException("broken test provider");
    }

    @Override
    public String name() {
      return "test-broken";
    }

    @Override
    public Kind kind() {
      return Kind.GPU;
    }

    @Override
    public Availability availability() {
      throw new AssertionError();
    }

    @Override
    public CompiledProgram compile(Plan plan) {
      throw new AssertionError();
    }
  }
}
