package org.vmap4j.gpu.cuda;

import static jcuda.driver.CUresult.CUDA_SUCCESS;

import jcuda.CudaException;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;

/**
 * Whether this process can use a GPU through the CUDA driver API, and if not, why.
 *
 * <p>Why a probe: the Spark connector must work without a GPU (the GPU backend is found at run
 * time), and most machines that run it — CI and every CPU-only executor — have no {@code
 * libcuda.so.1}. There JCuda's driver binding fails while loading its native library (its {@code
 * libJCudaDriver} links against {@code libcuda.so.1}), and every later use of {@code JCudaDriver}
 * fails with {@code NoClassDefFoundError}. {@link #probe()} turns all of that into a value, so
 * callers choose a backend with an {@code if} instead of catching linkage errors, and the reason
 * ends up in a log line instead of a stack trace.
 *
 * <p>The answer is computed once per JVM (class loading and {@code cuInit} are process-wide anyway,
 * and a failed class initialization would only give a vaguer reason the second time).
 *
 * @param available whether {@code cuInit} succeeded and at least one device is visible
 * @param deviceCount the number of visible CUDA devices; 0 when not available
 * @param description the device count and driver version, or the reason there is no GPU
 */
public record CudaAvailability(boolean available, int deviceCount, String description) {

  /**
   * Probes the CUDA driver once and returns the (cached) result. Never throws for a missing or
   * broken driver, a missing device or a JCuda error; only a JVM error such as running out of
   * memory propagates.
   */
  public static CudaAvailability probe() {
    return Probed.RESULT;
  }

  private static final class Probed {
    static final CudaAvailability RESULT = detect();
  }

  private static CudaAvailability detect() {
    try {
      int result = JCudaDriver.cuInit(0);
      if (result != CUDA_SUCCESS) {
        return unavailable("cuInit failed: " + CUresult.stringFor(result));
      }
      int[] count = {0};
      result = JCudaDriver.cuDeviceGetCount(count);
      if (result != CUDA_SUCCESS) {
        return unavailable("cuDeviceGetCount failed: " + CUresult.stringFor(result));
      }
      if (count[0] == 0) {
        return unavailable("the CUDA driver sees no device");
      }
      int[] version = {0};
      String driver =
          JCudaDriver.cuDriverGetVersion(version) == CUDA_SUCCESS
              ? version[0] / 1000 + "." + version[0] % 1000 / 10
              : "unknown";
      return new CudaAvailability(
          true, count[0], count[0] + " CUDA device(s), driver API version " + driver);
    } catch (LinkageError e) {
      return unavailable("the CUDA driver library cannot be loaded: " + linkageReason(e));
    } catch (CudaException e) { // thrown instead of result codes if exceptions were enabled
      return unavailable("CUDA driver error: " + e.getMessage());
    } catch (RuntimeException e) {
      return unavailable("probing CUDA failed: " + e);
    }
  }

  private static CudaAvailability unavailable(String reason) {
    return new CudaAvailability(false, 0, reason);
  }

  /**
   * The useful line of JCuda's loading error. Its message is a multi-page report of every way it
   * tried to load the library; the last nested {@code UnsatisfiedLinkError} line is the dynamic
   * linker's verdict, e.g. {@code .../libJCudaDriver-12.6.0-linux-x86_64.so: libcuda.so.1: cannot
   * open shared object file: No such file or directory}.
   */
  public static String linkageReason(Throwable error) {
    String reason = null;
    for (Throwable t = error; t != null && reason == null; t = t.getCause()) {
      String message = t.getMessage();
      if (message == null) {
        continue;
      }
      String prefix = UnsatisfiedLinkError.class.getName() + ": ";
      for (String line : message.split("\n")) {
        if (line.startsWith(prefix)) {
          reason = line.substring(prefix.length()).strip();
        }
      }
    }
    if (reason == null) {
      reason = String.valueOf(error.getMessage()).lines().findFirst().orElse("").strip();
    }
    return error.getClass().getSimpleName() + ": " + reason;
  }
}
