package org.vmap4j.gpu.cublas;

import jcuda.jcublas.JCublas2;
import org.vmap4j.gpu.cuda.CudaAvailability;
import org.vmap4j.gpu.ptx.GemmPtx;

/**
 * Whether {@code dot_general} steps run on cuBLAS, decided once per JVM and logged: JCublas 12.6's
 * native library links {@code libcublas.so.12}, so it loads only where CUDA 12's cuBLAS is
 * installed (a CUDA 13 machine's {@code libcublas.so.13} cannot stand in: its symbols are
 * versioned). Where it does not load, or where {@code -D}{@value #PROPERTY}{@code =off} says so,
 * the backend runs its own GEMM ({@link GemmPtx}). The probe never throws.
 *
 * @param available whether cuBLAS is used
 * @param description why or why not, for logs and the device check's table
 */
public record CublasAvailability(boolean available, String description) {
  /** System property: {@code auto} (the default: cuBLAS where it loads) or {@code off}. */
  public static final String PROPERTY = "vmap4j.cuda.cublas";

  private static final System.Logger LOG = System.getLogger(CublasAvailability.class.getName());

  /**
   * The JVM's decision (probed, then logged once, on first use).
   *
   * @throws IllegalArgumentException if the property is neither {@code auto} nor {@code off}
   */
  public static CublasAvailability probe() {
    enabled(System.getProperty(PROPERTY, "auto")); // a bad value fails every time, not just once
    return Probed.RESULT;
  }

  private static final class Probed {
    static final CublasAvailability RESULT = logged(detect(System.getProperty(PROPERTY, "auto")));
  }

  /** Whether the setting allows cuBLAS. */
  static boolean enabled(String setting) {
    return switch (setting.strip().toLowerCase(java.util.Locale.ROOT)) {
      case "auto" -> true;
      case "off" -> false;
      default ->
          throw new IllegalArgumentException(
              "-D" + PROPERTY + " must be auto or off, but was '" + setting + "'");
    };
  }

  static CublasAvailability detect(String setting) {
    if (!enabled(setting)) {
      return new CublasAvailability(
          false, "cuBLAS disabled by -D" + PROPERTY + "=off; dot_general uses vmap4j's GEMM");
    }
    try {
      // loads libJCublas2, which links libcublas.so.12
      JCublas2.initialize();
      JCublas2.setExceptionsEnabled(false);
      return new CublasAvailability(true, "dot_general uses cuBLAS (libcublas.so.12 loaded)");
    } catch (LinkageError e) {
      return new CublasAvailability(
          false,
          "cuBLAS cannot be loaded ("
              + CudaAvailability.linkageReason(e)
              + "); dot_general uses vmap4j's GEMM");
    } catch (RuntimeException e) {
      return new CublasAvailability(
          false, "loading cuBLAS failed (" + e + "); dot_general uses vmap4j's GEMM");
    }
  }

  private static CublasAvailability logged(CublasAvailability a) {
    LOG.log(System.Logger.Level.INFO, "vmap4j gpu: " + a.description());
    return a;
  }
}
