package org.vmap4j.gpu.cuda;

import static jcuda.driver.JCudaDriver.cuCtxSynchronize;
import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemsetD32;

import java.util.ArrayDeque;
import java.util.Map;
import java.util.TreeMap;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUresult;

/**
 * Device memory recycled by size class (powers of two from 256 bytes), because {@code cuMemAlloc}
 * and {@code cuMemFree} synchronize the device and cost far more than a kernel launch. Callers
 * release buffers only after the work using them has completed (the program runner synchronizes its
 * stream first). When an allocation fails for lack of memory, the cached free buffers are freed and
 * it is tried once more. Thread-safe; the device's context must be current on the calling thread.
 */
public final class DeviceMemoryPool implements AutoCloseable {
  private static final long MIN_CLASS = 256;

  private final Map<Long, ArrayDeque<CUdeviceptr>> free = new TreeMap<>();
  private long bytesInUse;
  private long buffersInUse;
  private long bytesReserved;
  private volatile boolean poison;
  private boolean closed;

  /**
   * For tests: fill every buffer handed out with all-ones bits (NaN in f32 and f64), so a kernel
   * that leaves part of its output unwritten shows NaNs instead of stale numbers.
   */
  public void poisonAllocations(boolean on) {
    poison = on;
  }

  public synchronized DeviceBuffer allocate(long bytes) {
    if (closed) {
      throw new IllegalStateException("device memory pool is closed");
    }
    if (bytes < 0) {
      throw new IllegalArgumentException("negative allocation: " + bytes);
    }
    long capacity = sizeClass(bytes);
    ArrayDeque<CUdeviceptr> list = free.get(capacity);
    CUdeviceptr p = list == null ? null : list.poll();
    if (p == null) {
      p = new CUdeviceptr();
      int result = cuMemAlloc(p, capacity);
      if (result == CUresult.CUDA_ERROR_OUT_OF_MEMORY) {
        trim();
        result = cuMemAlloc(p, capacity);
      }
      CudaCallException.check(result, "cuMemAlloc", capacity + " bytes");
      bytesReserved += capacity;
    }
    if (poison) {
      CudaCallException.check(cuMemsetD32(p, -1, capacity / 4), "cuMemsetD32", "poisoning");
      // the memset runs on the legacy stream, which the runs' non-blocking streams do not wait for
      CudaCallException.check(cuCtxSynchronize(), "cuCtxSynchronize", "after poisoning");
    }
    bytesInUse += capacity;
    buffersInUse++;
    return new DeviceBuffer(this, p, capacity, bytes);
  }

  synchronized void release(CUdeviceptr p, long capacity) {
    bytesInUse -= capacity;
    buffersInUse--;
    if (closed) {
      CudaCallException.check(cuMemFree(p), "cuMemFree");
      bytesReserved -= capacity;
      return;
    }
    free.computeIfAbsent(capacity, c -> new ArrayDeque<>()).push(p);
  }

  /** Frees every cached (not in use) buffer. */
  public synchronized void trim() {
    for (Map.Entry<Long, ArrayDeque<CUdeviceptr>> e : free.entrySet()) {
      for (CUdeviceptr p : e.getValue()) {
        CudaCallException.check(cuMemFree(p), "cuMemFree");
        bytesReserved -= e.getKey();
      }
      e.getValue().clear();
    }
  }

  /** Bytes handed out and not yet released (in size classes). */
  public synchronized long bytesInUse() {
    return bytesInUse;
  }

  public synchronized long buffersInUse() {
    return buffersInUse;
  }

  /** Bytes allocated from the driver: in use plus cached. */
  public synchronized long bytesReserved() {
    return bytesReserved;
  }

  static long sizeClass(long bytes) {
    long c = MIN_CLASS;
    while (c < bytes) {
      c <<= 1;
    }
    return c;
  }

  /** Frees the cached buffers; buffers still in use are freed when released. */
  @Override
  public synchronized void close() {
    if (!closed) {
      trim();
      closed = true;
    }
  }
}
