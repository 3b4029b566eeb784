package org.vmap4j.gpu.ptx;

/**
 * The PTX compiler rejected a program, or one of its calls failed.
 *
 * <p>The message carries the compiler's own error log (lines such as {@code ptxas application ptx
 * input, line 37; error : ...}), because a generated kernel is only debuggable when the failure
 * names the PTX line; {@link #errorLog()} gives the log alone.
 */
public final class PtxCompilationException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final String target;
  private final String errorLog;

  PtxCompilationException(String target, String result, String errorLog) {
    super(
        "PTX compilation for "
            + target
            + " failed ("
            + result
            + ")"
            + (errorLog.isEmpty() ? "" : ":\n" + errorLog));
    this.target = target;
    this.errorLog = errorLog;
  }

  /** The GPU architecture that was compiled for, e.g. {@code sm_80}. */
  public String target() {
    return target;
  }

  /** The compiler's error log; empty when the failure was not a compile error. */
  public String errorLog() {
    return errorLog;
  }
}
