package org.vmap4j.gpu.cuda;

import static jcuda.driver.JCudaDriver.cuMemAllocHost;
import static jcuda.driver.JCudaDriver.cuMemFreeHost;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jcuda.Pointer;

/**
 * Page-locked host memory ({@code cuMemAllocHost}): asynchronous copies to and from the device need
 * it, and it transfers at full bus speed. Freed by {@link #close()}.
 */
public final class PinnedHostBuffer implements AutoCloseable {
  private final Pointer pointer = new Pointer();
  private final long bytes;
  private final ByteBuffer buffer;
  private boolean closed;

  public PinnedHostBuffer(long bytes) {
    if (bytes <= 0 || bytes > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("pinned buffer size must be in 1.." + Integer.MAX_VALUE);
    }
    CudaCallException.check(cuMemAllocHost(pointer, bytes), "cuMemAllocHost", bytes + " bytes");
    this.bytes = bytes;
    this.buffer = pointer.getByteBuffer(0, bytes).order(ByteOrder.nativeOrder());
  }

  public Pointer pointer() {
    return pointer;
  }

  public long bytes() {
    return bytes;
  }

  /** A view of the whole buffer in native byte order, position 0. */
  public ByteBuffer buffer() {
    return buffer.duplicate().order(ByteOrder.nativeOrder()).clear();
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      CudaCallException.check(cuMemFreeHost(pointer), "cuMemFreeHost");
    }
  }
}
