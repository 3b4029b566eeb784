package org.vmap4j.gpu.cuda;

import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamDestroy;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;

/** A CUDA stream (non-blocking with respect to the legacy default stream); closed explicitly. */
public final class CudaStream implements AutoCloseable {
  private final CUstream stream = new CUstream();
  private boolean closed;

  public CudaStream() {
    CudaCallException.check(
        cuStreamCreate(stream, CUstream_flags.CU_STREAM_NON_BLOCKING), "cuStreamCreate");
  }

  public CUstream handle() {
    return stream;
  }

  /** Waits for the stream's work; asynchronous kernel faults surface here. */
  public void synchronize(String after) {
    CudaCallException.check(cuStreamSynchronize(stream), "cuStreamSynchronize", after);
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      CudaCallException.check(cuStreamDestroy(stream), "cuStreamDestroy");
    }
  }
}
