package org.vmap4j.gpu;

import org.vmap4j.backend.Availability;
import org.vmap4j.backend.Backend;
import org.vmap4j.backend.Plan;
import org.vmap4j.gpu.cuda.CudaAvailability;
import org.vmap4j.gpu.cuda.CudaDevice;

/**
 * The CUDA backend ({@code name() = "cuda"}, kind GPU), registered through {@code
 * META-INF/services/org.vmap4j.backend.Backend}. Constructing it loads nothing native: {@link
 * #availability()} probes the driver lazily (once per JVM, never throwing), so the service loader
 * can instantiate it on machines without CUDA.
 *
 * <p>Programs run on device 0 unless {@link #onDevice(String)} chose another (Spark passes the GPU
 * address it assigned to the task).
 */
public final class CudaBackend implements Backend {
  private final int ordinal;

  /** The backend on device 0 (the service loader's instance). */
  public CudaBackend() {
    this(0);
  }

  private CudaBackend(int ordinal) {
    this.ordinal = ordinal;
  }

  @Override
  public String name() {
    return "cuda";
  }

  @Override
  public Kind kind() {
    return Kind.GPU;
  }

  @Override
  public Availability availability() {
    CudaAvailability a = CudaAvailability.probe();
    if (!a.available()) {
      return Availability.no(a.description());
    }
    if (ordinal >= a.deviceCount()) {
      return Availability.no("device " + ordinal + " requested, " + a.description());
    }
    return Availability.yes(a.description() + "; using device " + ordinal);
  }

  @Override
  public CudaProgram compile(Plan plan) {
    return new CudaProgram(CudaDevice.open(ordinal), GpuPlan.of(plan));
  }

  /**
   * This backend on device {@code address}, a device ordinal as Spark's GPU resource addresses are
   * ({@code "0"}, {@code "1"}, ...).
   */
  @Override
  public CudaBackend onDevice(String address) {
    try {
      int d = Integer.parseInt(address.strip());
      if (d < 0) {
        throw new NumberFormatException();
      }
      return d == ordinal ? this : new CudaBackend(d);
    } catch (NumberFormatException | NullPointerException e) {
      throw new IllegalArgumentException(
          "GPU address must be a device ordinal such as 0, but was '" + address + "'");
    }
  }

  /** The device ordinal programs compiled by this backend run on. */
  public int ordinal() {
    return ordinal;
  }

  @Override
  public String toString() {
    return "cuda:" + ordinal;
  }
}
