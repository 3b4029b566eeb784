package org.vmap4j.spark.executor;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * What an executor JVM keeps between tasks: prepared kernels, compiled programs and the GPU's task
 * slots. The one place the connector holds executor state.
 *
 * <p>Why per JVM, in statics: Spark runs an executor's tasks as threads of one JVM, and gives
 * vmap4j no object that lives longer than a task there (a deserialized closure is a fresh copy per
 * task). Compiling a program costs far more than running a batch, so a compiled kernel must serve
 * every task and batch of the JVM, not one task; and the tasks of an executor share its GPU, so the
 * limit on how many use it at once must be one count for all of them. Each map is bounded: a
 * long-lived session that plans many distinct functions drops the older entries (they are rebuilt
 * on use) rather than growing without end.
 */
public final class ExecutorRuntime {
  private static final ExecutorRuntime JVM = new ExecutorRuntime();

  /** At most this many prepared kernels, and as many compiled programs, per JVM. */
  private static final int MAX_ENTRIES = 64;

  /**
   * Prepared kernels by the key of the transform that prepared them (its program and its own
   * constants): prepared once per JVM and transform, shared by its tasks.
   */
  private final Map<String, BatchKernel.Prepared> prepared = new ConcurrentHashMap<>();

  /**
   * Compiled programs by the program's hash, whatever constants they run with: two transforms of
   * the same program share one compilation.
   */
  private final Map<String, TaskBackend.PerTask> compiled = new ConcurrentHashMap<>();

  /** Task slots on the GPU, by the configured number of concurrent GPU tasks. */
  private final Map<Integer, Semaphore> gpuSlots = new ConcurrentHashMap<>();

  private final AtomicLong preparations = new AtomicLong();

  private ExecutorRuntime() {}

  /** This JVM's runtime. */
  public static ExecutorRuntime get() {
    return JVM;
  }

  /** The kernel prepared under {@code key}, preparing it on first use in this JVM. */
  BatchKernel.Prepared prepared(String key, Supplier<BatchKernel.Prepared> prepare) {
    BatchKernel.Prepared p = prepared.get(key);
    if (p != null) {
      return p;
    }
    boundSize(prepared);
    return prepared.computeIfAbsent(
        key,
        k -> {
          preparations.incrementAndGet();
          return prepare.get();
        });
  }

  /** The program compiled under {@code hash}, compiling it on first use in this JVM. */
  TaskBackend.PerTask compiled(String hash, Supplier<TaskBackend.PerTask> compile) {
    boundSize(compiled);
    return compiled.computeIfAbsent(hash, k -> compile.get());
  }

  /** The JVM's GPU task slots for a limit of {@code concurrentTasks} tasks at once. */
  Semaphore gpuSlots(int concurrentTasks) {
    return gpuSlots.computeIfAbsent(concurrentTasks, Semaphore::new);
  }

  /** How many times this JVM has prepared a kernel (for tests of the per-JVM cache). */
  public long preparations() {
    return preparations.get();
  }

  private static void boundSize(Map<String, ?> cache) {
    if (cache.size() >= MAX_ENTRIES) {
      cache.clear();
    }
  }
}
