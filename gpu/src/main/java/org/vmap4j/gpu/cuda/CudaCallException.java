package org.vmap4j.gpu.cuda;

import jcuda.driver.CUresult;

/**
 * A CUDA driver call failed. The message names the call and the driver's result, e.g. {@code
 * cuMemAlloc failed: CUDA_ERROR_OUT_OF_MEMORY (1073741824 bytes)}.
 */
public final class CudaCallException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String call;
  private final int result;

  CudaCallException(String call, int result, String detail) {
    this(call, result, CUresult.stringFor(result), detail);
  }

  /** For libraries with their own status codes (cuBLAS): {@code resultName} names the code. */
  public CudaCallException(String call, int result, String resultName, String detail) {
    super(
        call
            + " failed: "
            + resultName
            + (detail == null || detail.isEmpty() ? "" : " (" + detail + ")"));
    this.call = call;
    this.result = result;
  }

  /** The driver API function, e.g. {@code cuMemAlloc}. */
  public String call() {
    return call;
  }

  /** The driver's result code ({@link CUresult}), or cuBLAS's status for a {@code cublas} call. */
  public int result() {
    return result;
  }

  /** Throws unless {@code result} is {@code CUDA_SUCCESS}. */
  public static void check(int result, String call) {
    check(result, call, null);
  }

  public static void check(int result, String call, String detail) {
    if (result != CUresult.CUDA_SUCCESS) {
      throw new CudaCallException(call, result, detail);
    }
  }
}
