package org.vmap4j.cpu;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.function.Supplier;

/**
 * How many threads CPU kernels split large work over (the mapped dimension: rows of an element-wise
 * kernel, rows of a matrix product, the batch of dot products). {@code -Dvmap4j.threads=N} sets it
 * for the JVM (default: the available processors; 1 turns it off); {@link #withThreads} overrides
 * it for one computation on the calling thread, which is how the Spark connector runs each task on
 * its one core. Work under {@value #MIN_ELEMENTS_PER_THREAD} elements per thread is not split.
 */
public final class Parallelism {
  static final int MIN_ELEMENTS_PER_THREAD = 1 << 16;
  private static final int DEFAULT = configured();
  private static final ThreadLocal<Integer> OVERRIDE = new ThreadLocal<>();
  private static final ForkJoinPool POOL =
      new ForkJoinPool(
          Math.max(1, Runtime.getRuntime().availableProcessors()),
          pool -> {
            var t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
            t.setDaemon(true);
            t.setName("vmap4j-cpu-" + t.getPoolIndex());
            return t;
          },
          null,
          false);

  private Parallelism() {}

  private static int configured() {
    String v = System.getProperty("vmap4j.threads");
    if (v == null) {
      return Math.max(1, Runtime.getRuntime().availableProcessors());
    }
    try {
      int n = Integer.parseInt(v.trim());
      if (n < 1) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "vmap4j.threads must be a positive integer, got '" + v + "'");
    }
  }

  /** The threads kernels may use on this thread now. */
  public static int threads() {
    Integer o = OVERRIDE.get();
    return o != null ? o : DEFAULT;
  }

  /** Runs {@code work} with kernels limited to {@code threads} threads (1: no splitting). */
  public static <T> T withThreads(int threads, Supplier<T> work) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be positive, got " + threads);
    }
    Integer previous = OVERRIDE.get();
    OVERRIDE.set(threads);
    try {
      return work.get();
    } finally {
      if (previous == null) {
        OVERRIDE.remove();
      } else {
        OVERRIDE.set(previous);
      }
    }
  }

  /** A piece of work over the index range [from, to). */
  @FunctionalInterface
  interface Range {
    void run(int from, int to);
  }

  /**
   * Runs {@code body} over [0, n) in contiguous pieces, in parallel when {@code n * costPerItem} is
   * large enough for the current thread count; each piece runs exactly once.
   */
  static void forRange(int n, long costPerItem, Range body) {
    int threads = threads();
    long total = n * Math.max(1, costPerItem);
    int pieces = (int) Math.min(threads, Math.max(1, total / MIN_ELEMENTS_PER_THREAD));
    pieces = Math.min(pieces, n);
    if (pieces <= 1) {
      body.run(0, n);
      return;
    }
    List<ForkJoinTask<?>> tasks = new ArrayList<>();
    for (int p = 1; p < pieces; p++) {
      int from = (int) ((long) n * p / pieces);
      int to = (int) ((long) n * (p + 1) / pieces);
      tasks.add(POOL.submit(() -> body.run(from, to)));
    }
    body.run(0, (int) ((long) n / pieces));
    for (ForkJoinTask<?> t : tasks) {
      t.join();
    }
  }
}
