package org.vmap4j.spark.executor;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;
import org.vmap4j.backend.ArgumentListCalls;
import org.vmap4j.backend.Backend;
import org.vmap4j.backend.Backends;
import scala.Option;

/**
 * Which backend an executor runs a shipped program on, read where the executor compiles it.
 *
 * <ul>
 *   <li>{@value #BACKEND}: {@code cpu} (default), {@code auto}, {@code gpu}, or a backend's name
 *       ({@code cuda}). With {@code auto} or {@code gpu}, an executor without a usable GPU backend
 *       runs on the CPU and says so in exactly one log line per JVM; a named backend that is
 *       unavailable is an error.
 *   <li>{@value #GPU_TASKS}: at most this many tasks of one executor use the GPU at once (default
 *       1); the others wait. A task runs on the GPU Spark assigned to it ({@code
 *       TaskContext.get().resources().get("gpu")}), device 0 when Spark assigned none.
 * </ul>
 */
final class TaskBackend {
  static final String BACKEND = "spark.vmap4j.backend";
  static final String GPU_TASKS = "spark.vmap4j.gpu.concurrentTasks";

  private static final System.Logger LOG = System.getLogger(TaskBackend.class.getName());
  private static final AtomicBoolean FELL_BACK = new AtomicBoolean();

  private TaskBackend() {}

  /** The two settings, validated. */
  record Settings(String choice, int gpuTasks) {
    /**
     * Reads the settings through {@code conf} (a key to its value, or null when unset).
     *
     * @throws IllegalArgumentException naming the key and the bad value
     */
    static Settings parse(UnaryOperator<String> conf) {
      String choice = conf.apply(BACKEND);
      choice = choice == null ? "cpu" : choice.strip().toLowerCase(Locale.ROOT);
      if (choice.isEmpty()) {
        throw new IllegalArgumentException(
            BACKEND + " is empty; use auto, cpu, gpu or a backend name");
      }
      String tasks = conf.apply(GPU_TASKS);
      int n;
      try {
        n = tasks == null ? 1 : Integer.parseInt(tasks.strip());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            GPU_TASKS + " must be a positive integer, but was '" + tasks + "'");
      }
      if (n < 1) {
        throw new IllegalArgumentException(GPU_TASKS + " must be at least 1, but was " + n);
      }
      return new Settings(choice, n);
    }

    /** The executor's settings (Spark's conf of this JVM; defaults outside Spark). */
    static Settings ofExecutor() {
      SparkEnv env = SparkEnv.get();
      return parse(key -> env == null ? null : env.conf().get(key, null));
    }
  }

  /**
   * The backend for {@code settings} on the GPU at {@code gpuAddress} (null: none assigned), among
   * {@code candidates}; {@code log} receives the one fall-back line.
   */
  static Backend choose(
      Settings settings, String gpuAddress, List<Backend> candidates, Consumer<String> log) {
    String c = settings.choice();
    if (c.equals("cpu")) {
      return Backends.cpu();
    }
    Backend b;
    if (c.equals("auto") || c.equals("gpu")) {
      b = Backends.select("auto", candidates);
      if (b.kind() != Backend.Kind.GPU) {
        if (FELL_BACK.compareAndSet(false, true)) {
          log.accept(
              "vmap4j: "
                  + BACKEND
                  + "="
                  + c
                  + " but no GPU backend is usable here ("
                  + reasons(candidates)
                  + "); running on the CPU");
        }
        return Backends.cpu();
      }
    } else {
      b = Backends.select(c, candidates);
    }
    return gpuAddress == null ? b : b.onDevice(gpuAddress);
  }

  private static String reasons(List<Backend> candidates) {
    StringBuilder sb = new StringBuilder();
    for (Backend b : candidates) {
      if (b.kind() == Backend.Kind.GPU) {
        sb.append(sb.length() == 0 ? "" : "; ")
            .append(b.name())
            .append(": ")
            .append(b.availability().description());
      }
    }
    return sb.length() == 0 ? "the vmap4j-gpu jar is not on the classpath" : sb.toString();
  }

  /** For tests: forget that the fall-back line was logged. */
  static void resetFallbackLog() {
    FELL_BACK.set(false);
  }

  /** The GPU address Spark assigned to the running task, or null. */
  static String assignedGpu() {
    TaskContext task = TaskContext.get();
    if (task == null) {
      return null;
    }
    Option<ResourceInformation> gpu = task.resources().get("gpu");
    if (gpu.isEmpty() || gpu.get().addresses().length == 0) {
      return null;
    }
    return gpu.get().addresses()[0];
  }

  /**
   * A shipped program's jit, one per backend and device (tasks on different GPUs compile their
   * own), called with the GPU concurrency limit held when the backend is a GPU.
   */
  static final class PerTask {
    private final Function<Object[], Object> fn;
    private final Settings settings;
    private final Map<String, Function<Object[], Object>> jits = new ConcurrentHashMap<>();
    private volatile List<Backend> candidates;

    PerTask(Function<Object[], Object> fn, Settings settings) {
      this.fn = fn;
      this.settings = settings;
    }

    Object call(Object[] args) {
      Backend b =
          settings.choice().equals("cpu")
              ? Backends.cpu()
              : choose(
                  settings,
                  assignedGpu(),
                  candidates(),
                  line -> LOG.log(System.Logger.Level.WARNING, line));
      Function<Object[], Object> jit =
          jits.computeIfAbsent(b.toString() + "/" + b.name(), k -> ArgumentListCalls.jit(fn, b));
      if (b.kind() != Backend.Kind.GPU) {
        return jit.apply(args);
      }
      Semaphore slots = ExecutorRuntime.get().gpuSlots(settings.gpuTasks());
      slots.acquireUninterruptibly();
      try {
        return jit.apply(args);
      } finally {
        slots.release();
      }
    }

    /** The backends on this JVM's classpath, looked up once. */
    private List<Backend> candidates() {
      List<Backend> c = candidates;
      if (c == null) {
        c = Backends.discovered();
        candidates = c;
      }
      return c;
    }
  }
}
