package org.vmap4j.gpu.cublas;

import java.util.ArrayDeque;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasHandle;
import jcuda.jcublas.cublasMath;
import jcuda.jcublas.cublasStatus;
import org.vmap4j.gpu.cuda.CudaCallException;

/**
 * cuBLAS handles of one device, reused across runs. A run holds its handle until its stream has
 * finished: a handle's workspace must not be shared by work in flight on two streams. Handles use
 * cuBLAS's default math mode, so FP32 products are not computed in TF32 (the CPU's results are the
 * reference).
 */
public final class CublasHandles implements AutoCloseable {
  private final ArrayDeque<cublasHandle> idle = new ArrayDeque<>();
  private boolean closed;

  /** A handle for one run, created in the current context when none is idle. */
  public synchronized cublasHandle borrow() {
    if (closed) {
      throw new IllegalStateException("the device's cuBLAS handles are closed");
    }
    cublasHandle h = idle.poll();
    if (h == null) {
      h = new cublasHandle();
      check(JCublas2.cublasCreate(h), "cublasCreate", null);
      check(
          JCublas2.cublasSetMathMode(h, cublasMath.CUBLAS_DEFAULT_MATH), "cublasSetMathMode", null);
    }
    return h;
  }

  public synchronized void giveBack(cublasHandle h) {
    if (closed) {
      JCublas2.cublasDestroy(h);
    } else {
      idle.push(h);
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    for (cublasHandle h : idle) {
      check(JCublas2.cublasDestroy(h), "cublasDestroy", null);
    }
    idle.clear();
  }

  /** Throws a {@link CudaCallException} naming the call unless cuBLAS reports success. */
  public static void check(int status, String call, String detail) {
    if (status != cublasStatus.CUBLAS_STATUS_SUCCESS) {
      throw new CudaCallException(call, status, cublasStatus.stringFor(status), detail);
    }
  }
}
