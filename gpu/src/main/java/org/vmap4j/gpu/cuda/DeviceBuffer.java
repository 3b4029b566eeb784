package org.vmap4j.gpu.cuda;

import jcuda.driver.CUdeviceptr;

/**
 * Device memory from a {@link DeviceMemoryPool}: {@link #close()} gives it back to the pool (it is
 * freed when the pool closes). Holds at least {@link #bytes()} bytes.
 */
public final class DeviceBuffer implements AutoCloseable {
  private final DeviceMemoryPool pool;
  private final CUdeviceptr pointer;
  private final long capacity;
  private final long bytes;
  private boolean closed;

  DeviceBuffer(DeviceMemoryPool pool, CUdeviceptr pointer, long capacity, long bytes) {
    this.pool = pool;
    this.pointer = pointer;
    this.capacity = capacity;
    this.bytes = bytes;
  }

  public CUdeviceptr pointer() {
    if (closed) {
      throw new IllegalStateException("device buffer used after close");
    }
    return pointer;
  }

  /** The bytes asked for. */
  public long bytes() {
    return bytes;
  }

  long capacity() {
    return capacity;
  }

  /** Returns the memory to the pool; a second call does nothing. */
  @Override
  public void close() {
    if (!closed) {
      closed = true;
      pool.release(pointer, capacity);
    }
  }
}
