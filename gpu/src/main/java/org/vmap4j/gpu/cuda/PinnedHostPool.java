package org.vmap4j.gpu.cuda;

import java.util.ArrayDeque;
import java.util.Map;
import java.util.TreeMap;

/**
 * Pinned staging buffers recycled by size class ({@code cuMemAllocHost} is slow: it maps and locks
 * pages). A buffer goes back only after the copies using it have completed. Thread-safe.
 */
public final class PinnedHostPool implements AutoCloseable {
  private final Map<Long, ArrayDeque<PinnedHostBuffer>> free = new TreeMap<>();
  private int outstanding;
  private boolean closed;

  public synchronized PinnedHostBuffer borrow(long bytes) {
    if (closed) {
      throw new IllegalStateException("pinned host pool is closed");
    }
    long size = DeviceMemoryPool.sizeClass(bytes);
    ArrayDeque<PinnedHostBuffer> list = free.get(size);
    PinnedHostBuffer b = list == null ? null : list.poll();
    outstanding++;
    return b != null ? b : new PinnedHostBuffer(size);
  }

  public synchronized void giveBack(PinnedHostBuffer b) {
    outstanding--;
    if (closed) {
      b.close();
    } else {
      free.computeIfAbsent(b.bytes(), s -> new ArrayDeque<>()).push(b);
    }
  }

  public synchronized int outstanding() {
    return outstanding;
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      free.values().forEach(l -> l.forEach(PinnedHostBuffer::close));
      free.clear();
    }
  }
}
