package org.vmap4j.backend;

/**
 * Where a jitted program runs: the built-in CPU backend, or one found on the classpath through
 * {@link java.util.ServiceLoader} (the {@code vmap4j-gpu} module registers a CUDA backend). Core
 * works unchanged when no other backend is present.
 *
 * <p>Implementations registered as services must have a public no-argument constructor that loads
 * no native library: discovery happens on machines without the hardware, and {@link
 * #availability()} is where probing belongs.
 */
public interface Backend {

  /** What kind of device a backend runs on; {@code "auto"} and {@code "gpu"} choose by kind. */
  enum Kind {
    CPU,
    GPU
  }

  /** A short, unique, lower-case name, e.g. {@code cpu} or {@code cuda}. */
  String name();

  Kind kind();

  /**
   * Whether this backend can run programs in this process, and if not, why. Never throws (a missing
   * driver or device is an answer, not an error); may be slow the first time, so implementations
   * cache it.
   */
  Availability availability();

  /**
   * Compiles a plan made by core's compiler (jit hands every backend the same kind of plan). Only
   * called when {@link #availability()} says available.
   */
  CompiledProgram compile(Plan plan);

  /**
   * This backend on one specific device, named as the cluster manager names it (Spark's GPU
   * resource addresses are device ordinals such as {@code "0"}). Backends with a single device
   * return themselves.
   *
   * @throws IllegalArgumentException if the address does not name a device of this backend
   */
  default Backend onDevice(String address) {
    return this;
  }
}
