package org.vmap4j.spark.executor;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.spark.TaskContext;
import org.apache.spark.sql.util.ArrowUtils;

/**
 * The Arrow memory of one task: a child allocator of Spark's Arrow root allocator, and the batch
 * vectors made from it, all closed by a task-completion listener, whether the task succeeds, fails
 * or is cut short (a {@code limit} downstream). Closing the allocator while a buffer is still held
 * throws (Arrow's leak check), which fails the task: a leak cannot go unnoticed.
 *
 * <p>The counters are per JVM; in local mode, where tasks run in the test's JVM, tests read them to
 * check that every allocator a job opened was closed with nothing outstanding.
 */
public final class TaskArrowMemory implements AutoCloseable {
  private static final AtomicLong OPENED = new AtomicLong();
  private static final AtomicLong CLOSED = new AtomicLong();

  private final BufferAllocator allocator;
  private final List<FieldVector> vectors = new ArrayList<>();
  private boolean closed;

  private TaskArrowMemory(String name) {
    this.allocator = ArrowUtils.rootAllocator().newChildAllocator(name, 0, Long.MAX_VALUE);
    OPENED.incrementAndGet();
  }

  /** A task's memory, closed when the task completes; outside a task, the caller closes it. */
  static TaskArrowMemory forCurrentTask(String what) {
    TaskContext task = TaskContext.get();
    String name =
        task == null
            ? "vmap4j " + what
            : "vmap4j " + what + " stage " + task.stageId() + " task " + task.taskAttemptId();
    TaskArrowMemory memory = new TaskArrowMemory(name);
    if (task != null) {
      task.addTaskCompletionListener(
          (org.apache.spark.util.TaskCompletionListener) ctx -> memory.close());
    }
    return memory;
  }

  BufferAllocator allocator() {
    return allocator;
  }

  /** Registers a vector to be closed with this memory. */
  <V extends FieldVector> V track(V vector) {
    vectors.add(vector);
    return vector;
  }

  /** Closes a vector before the task ends (when a batch needs a larger one). */
  void release(FieldVector vector) {
    vectors.remove(vector);
    vector.close();
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (FieldVector v : vectors) {
      v.close();
    }
    vectors.clear();
    CLOSED.incrementAndGet();
    allocator.close();
  }

  /** Task allocators opened in this JVM so far. */
  public static long opened() {
    return OPENED.get();
  }

  /**
   * Task allocators closed in this JVM so far. Counted before the allocator itself is closed: a
   * leak shows as that close's exception, which fails the task.
   */
  public static long closed() {
    return CLOSED.get();
  }

  /** Bytes Spark's Arrow root allocator holds now (all users of it in this JVM together). */
  public static long rootAllocatedBytes() {
    return ArrowUtils.rootAllocator().getAllocatedMemory();
  }
}
