package org.vmap4j.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;

/**
 * Times calls by the calling thread's CPU time ({@link ThreadMXBean#getCurrentThreadCpuTime}), the
 * loop the CPU-time programs of this package share. On a machine shared with other busy processes
 * the wall clock also counts the time a thread waits for a core; the thread's CPU time (nearly)
 * does not. Kernels must run on the calling thread ({@code -Dvmap4j.threads=1}), or their time is
 * not counted.
 *
 * <p>{@code CpuTimeAB} keeps its own loop: it is compiled alone, to run against builds from before
 * this class existed, and calls the benchmarks by reflection.
 */
final class CpuTimeSampler {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private CpuTimeSampler() {}

  /** The median and the best (smallest) of one side's samples, nanoseconds per call. */
  record Summary(double medianNs, double bestNs) {
    static Summary of(double[] ns) {
      double[] sorted = ns.clone();
      Arrays.sort(sorted);
      return new Summary(sorted[sorted.length / 2], sorted[0]);
    }
  }

  /** Runs {@code call} {@code reps} times; returns the CPU time per call in nanoseconds. */
  static double perCallNs(Runnable call, int reps) {
    long t0 = THREADS.getCurrentThreadCpuTime();
    for (int k = 0; k < reps; k++) {
      call.run();
    }
    return (THREADS.getCurrentThreadCpuTime() - t0) / (double) reps;
  }

  /**
   * Samples two sides in turn, {@code reps} calls per sample: {@code warmup} rounds unrecorded,
   * then {@code rounds} recorded ones, the side that goes first alternating between rounds (so
   * neither always runs just after the other's garbage or cache state).
   */
  static Summary[] alternate(int warmup, int rounds, int reps, Runnable first, Runnable second) {
    Runnable[] sides = {first, second};
    double[][] ns = new double[2][rounds];
    for (int round = -warmup; round < rounds; round++) {
      for (int turn = 0; turn < 2; turn++) {
        int side = (round & 1) == 0 ? turn : 1 - turn;
        double perCall = perCallNs(sides[side], reps);
        if (round >= 0) {
          ns[side][round] = perCall;
        }
      }
    }
    return new Summary[] {Summary.of(ns[0]), Summary.of(ns[1])};
  }

  /**
   * One line comparing a baseline hand loop with the kernel that replaced it: medians, best samples
   * (microseconds per call) and the kernel / hand ratios of both.
   */
  static String handAgainstKernel(String name, Summary hand, Summary kernel) {
    return String.format(
        "%s: hand loop median %.2f us (best %.2f), kernel median %.2f us (best %.2f),"
            + " ratio kernel/hand median %.2f best %.2f",
        name,
        hand.medianNs() / 1e3,
        hand.bestNs() / 1e3,
        kernel.medianNs() / 1e3,
        kernel.bestNs() / 1e3,
        kernel.medianNs() / hand.medianNs(),
        kernel.bestNs() / hand.bestNs());
  }
}
