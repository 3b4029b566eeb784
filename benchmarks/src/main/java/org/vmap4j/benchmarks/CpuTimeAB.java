package org.vmap4j.benchmarks;

import java.io.File;
import java.lang.annotation.Annotation;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Runs the same JMH benchmark methods of two builds (two class paths, each in its own class loader)
 * in one JVM, alternating between the builds sample by sample, and times them by the calling
 * thread's CPU time. Made for comparing a change against the code before it on a shared, loaded
 * machine, where wall-clock time mostly measures waiting for a core.
 *
 * <p>It does what JMH does for these benchmarks and no more: a fresh instance of the {@code @State}
 * class per build, its {@code @Setup} methods (every level, once), then the {@code @Benchmark}
 * method (no arguments, or one JMH {@code Blackhole}) called in batches. It uses only reflection
 * and the JDK, so one compiled copy runs against any two builds, including ones from before it
 * existed. Kernels must run on the calling thread ({@code -Dvmap4j.threads=1}), or their CPU time
 * is not counted; garbage collection and JIT compilation run on other threads and are not counted
 * either (the zeroing of new arrays is: it happens in the allocating thread).
 *
 * <p>Run: {@code javac -d /tmp/ab CpuTimeAB.java}, then {@code java -Xmx6g
 * --add-modules=jdk.incubator.vector -Dvmap4j.threads=1 -cp /tmp/ab org.vmap4j.benchmarks.CpuTimeAB
 * <classpath A> <classpath B> [options] Class.method...} with {@code Class} a simple name in {@code
 * org.vmap4j.benchmarks}. Options: {@code --samples N} (rounds, default 11), {@code --sample-ms M}
 * (CPU time per sample, default 150), {@code --warmup-ms W} (CPU time of warm-up per build, default
 * 2000), {@code --b-first} (build B is set up and called first in the first round).
 */
public final class CpuTimeAB {
  private static final String PACKAGE = "org.vmap4j.benchmarks.";
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private CpuTimeAB() {}

  /** One build's instance of a benchmark class and its benchmark method, ready to call. */
  private static final class Side {
    final ClassLoader loader;
    final Object instance;
    final Method method;
    final Object[] args;

    Side(ClassLoader loader, String className, String methodName) throws Exception {
      this.loader = loader;
      Thread.currentThread().setContextClassLoader(loader);
      Class<?> type = Class.forName(PACKAGE + className, true, loader);
      instance = type.getDeclaredConstructor().newInstance();
      @SuppressWarnings("unchecked")
      Class<? extends Annotation> setup =
          (Class<? extends Annotation>)
              Class.forName("org.openjdk.jmh.annotations.Setup", false, loader);
      for (Method m : type.getMethods()) {
        if (m.isAnnotationPresent(setup)) {
          m.invoke(instance);
        }
      }
      Method found = null;
      for (Method m : type.getMethods()) {
        if (m.getName().equals(methodName) && m.getParameterCount() <= 1) {
          found = m;
        }
      }
      if (found == null) {
        throw new IllegalArgumentException(
            className + "." + methodName + " is not a method of this build's " + className);
      }
      method = found;
      if (found.getParameterCount() == 0) {
        args = new Object[0];
      } else {
        Class<?> blackhole = found.getParameterTypes()[0];
        args =
            new Object[] {
              blackhole
                  .getConstructor(String.class)
                  .newInstance(
                      "Today's password is swordfish. I understand instantiating Blackholes"
                          + " directly is dangerous.")
            };
      }
    }

    /** Calls the benchmark {@code reps} times; returns the CPU time per call in nanoseconds. */
    double sample(int reps) throws Exception {
      Thread.currentThread().setContextClassLoader(loader);
      Object keep = null;
      long t0 = THREADS.getCurrentThreadCpuTime();
      for (int k = 0; k < reps; k++) {
        keep = method.invoke(instance, args);
      }
      long t1 = THREADS.getCurrentThreadCpuTime();
      sink ^= System.identityHashCode(keep);
      return (t1 - t0) / (double) reps;
    }
  }

  /** Keeps results reachable so that no call can be dropped as dead code. */
  static volatile int sink;

  public static void main(String[] args) throws Exception {
    if (args.length < 3) {
      throw new IllegalArgumentException(
          "usage: CpuTimeAB <classpath A> <classpath B> [--samples N] [--sample-ms M]"
              + " [--warmup-ms W] [--b-first] Class.method...");
    }
    int samples = 11;
    long sampleNs = 150_000_000L;
    long warmupNs = 2_000_000_000L;
    boolean bFirst = false;
    List<String> benches = new ArrayList<>();
    for (int i = 2; i < args.length; i++) {
      switch (args[i]) {
        case "--samples" -> samples = Integer.parseInt(args[++i]);
        case "--sample-ms" -> sampleNs = Long.parseLong(args[++i]) * 1_000_000L;
        case "--warmup-ms" -> warmupNs = Long.parseLong(args[++i]) * 1_000_000L;
        case "--b-first" -> bFirst = true;
        default -> benches.add(args[i]);
      }
    }
    ClassLoader[] loaders = {loader(args[0]), loader(args[1])};
    OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    System.out.printf(
        Locale.ROOT,
        "# CPU time per call (us), %d samples of ~%d ms per build, warm-up %d ms per build, load"
            + " average %.1f, %s first%n",
        samples,
        sampleNs / 1_000_000,
        warmupNs / 1_000_000,
        os.getSystemLoadAverage(),
        bFirst ? "B" : "A");
    System.out.println(
        "# benchmark | A median | A best | B median | B best | B/A median | B/A best");
    for (String bench : benches) {
      int dot = bench.indexOf('.');
      String className = bench.substring(0, dot);
      String methodName = bench.substring(dot + 1);
      Side[] sides = new Side[2];
      try {
        for (int t = 0; t < 2; t++) {
          int s = bFirst ? 1 - t : t;
          sides[s] = new Side(loaders[s], className, methodName);
        }
      } catch (Exception e) {
        Throwable cause = e.getCause() != null ? e.getCause() : e;
        System.out.println(bench + " | skipped: " + cause);
        continue;
      }
      // warm-up, alternating, until each build has spent warmupNs; it also sizes the batches
      double[] perCall = new double[2];
      long[] spent = new long[2];
      int[] reps = {1, 1};
      while (spent[0] < warmupNs || spent[1] < warmupNs) {
        for (int s = 0; s < 2; s++) {
          perCall[s] = sides[s].sample(reps[s]);
          spent[s] += (long) (perCall[s] * reps[s]);
          reps[s] = (int) Math.max(1, Math.min(1 << 24, sampleNs / Math.max(1.0, perCall[s])));
        }
      }
      int batch = (int) Math.max(1, sampleNs / Math.max(1.0, Math.min(perCall[0], perCall[1])));
      double[][] ns = new double[2][samples];
      for (int round = 0; round < samples; round++) {
        for (int turn = 0; turn < 2; turn++) {
          int s = ((round & 1) == 0) == bFirst ? 1 - turn : turn;
          ns[s][round] = sides[s].sample(batch);
        }
      }
      Arrays.sort(ns[0]);
      Arrays.sort(ns[1]);
      double aMed = ns[0][samples / 2];
      double bMed = ns[1][samples / 2];
      System.out.printf(
          Locale.ROOT,
          "%s | %.2f | %.2f | %.2f | %.2f | %.3f | %.3f%n",
          bench,
          aMed / 1e3,
          ns[0][0] / 1e3,
          bMed / 1e3,
          ns[1][0] / 1e3,
          bMed / aMed,
          ns[1][0] / ns[0][0]);
      sides[0] = null;
      sides[1] = null;
      System.gc();
    }
    System.out.printf(Locale.ROOT, "# load average at the end %.1f%n", os.getSystemLoadAverage());
  }

  private static ClassLoader loader(String classPath) throws Exception {
    String[] parts = classPath.split(File.pathSeparator);
    URL[] urls = new URL[parts.length];
    for (int i = 0; i < parts.length; i++) {
      urls[i] = new File(parts[i]).toURI().toURL();
    }
    return new URLClassLoader(urls, ClassLoader.getPlatformClassLoader());
  }
}
