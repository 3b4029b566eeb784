package org.vmap4j.ir;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.vmap4j.compiler.ProgramCompiler;
import org.vmap4j.cpu.CpuTensor;
import org.vmap4j.prim.While;

/**
 * The fuzz run of {@link UntrustedProgramFuzzTest}, in a JVM of its own with a small heap (so an
 * {@code OutOfMemoryError} shows as one, and a hang can be ended by ending the JVM). Each case
 * reads mutated or random bytes with {@link ProgramSerializer#fromUntrustedBytes} and, when they
 * are accepted, compiles the program and runs it on small inputs. The only exception allowed out is
 * {@link RejectedProgramException}, and only with no cause or an {@link IllegalArgumentException}
 * cause (a shape rule rejecting cleanly, not crashing). Prints one line per failure and {@code OK
 * cases=N accepted=M} at the end; exits 1 on a failure and 2 on a case that hangs.
 *
 * <p>Arguments: seed, number of cases (defaults 20261206, 3000).
 */
public final class ProgramFuzzMain {
  /** Bounds that keep an accepted program small enough to run at once. */
  static final ProgramLimits LIMITS =
      ProgramLimits.defaults()
          .withMaxTensorElements(1 << 12)
          .withMaxTotalConstantElements(1 << 14)
          .withMaxEquations(2_000)
          .withMaxLoopIterations(10_000);

  private static final long CASE_SECONDS = 20;

  private ProgramFuzzMain() {}

  public static void main(String[] args) throws Exception {
    long seed = args.length > 0 ? Long.parseLong(args[0]) : 20261206L;
    int cases = args.length > 1 ? Integer.parseInt(args[1]) : 3000;
    List<byte[]> corpus = new ArrayList<>();
    ProgramCorpus.all().values().forEach(p -> corpus.add(ProgramSerializer.toBytes(p)));
    ProgramMutator mutator = new ProgramMutator(corpus);
    ExecutorService worker = Executors.newSingleThreadExecutor(r -> daemon(r));
    int accepted = 0;
    int failures = 0;
    for (int i = 0; i < cases; i++) {
      long caseSeed = seed * 1_000_003L + i;
      ProgramMutator.Case c = mutator.make(caseSeed);
      Future<Boolean> f = worker.submit(() -> runCase(c.bytes()));
      try {
        accepted += f.get(CASE_SECONDS, TimeUnit.SECONDS) ? 1 : 0;
      } catch (TimeoutException e) {
        System.out.println(
            "HANG case "
                + i
                + " (seed "
                + caseSeed
                + ", "
                + c.description()
                + ") ran past "
                + CASE_SECONDS
                + " s");
        System.out.flush();
        Runtime.getRuntime().halt(2);
      } catch (ExecutionException e) {
        failures++;
        if (failures <= 20) {
          System.out.println(
              "FAIL case "
                  + i
                  + " (seed "
                  + caseSeed
                  + ", "
                  + c.description()
                  + "): "
                  + describe(e.getCause()));
        }
      }
    }
    worker.shutdownNow();
    if (failures > 0) {
      System.out.println("FAILED " + failures + " of " + cases + " cases");
      System.out.flush();
      Runtime.getRuntime().halt(1);
    }
    System.out.println("OK cases=" + cases + " accepted=" + accepted);
  }

  /** True when the bytes were accepted (and the program then compiled and ran). */
  static boolean runCase(byte[] bytes) {
    Program p;
    try {
      p = ProgramSerializer.fromUntrustedBytes(bytes, LIMITS);
    } catch (RejectedProgramException e) {
      Throwable cause = e.getCause();
      if (cause != null
          && !(cause instanceof IllegalArgumentException)
          && !(cause instanceof java.nio.BufferUnderflowException)
          && !(cause instanceof java.io.UTFDataFormatException)) {
        throw new AssertionError("rejected, but through a crash of a shape rule: " + e, e);
      }
      return false;
    }
    List<CpuTensor> inputs = new ArrayList<>();
    ProgramCorpus.inputsFor(p, 1).forEach(t -> inputs.add((CpuTensor) t));
    try {
      ProgramCompiler.compile(p).run(inputs);
    } catch (IllegalArgumentException e) {
      // the one documented run-time refusal: a while loop reaching the cap the reader gave it
      if (!String.valueOf(e.getMessage()).contains(While.MAX_ITERATIONS)) {
        throw e;
      }
    }
    return true;
  }

  private static String describe(Throwable t) {
    StringBuilder sb = new StringBuilder(t.toString());
    StackTraceElement[] st = t.getStackTrace();
    for (int i = 0; i < Math.min(8, st.length); i++) {
      sb.append("\n    at ").append(st[i]);
    }
    if (t.getCause() != null && t.getCause() != t) {
      sb.append("\n  caused by ").append(describe(t.getCause()));
    }
    return sb.toString();
  }

  private static Thread daemon(Runnable r) {
    Thread t = new Thread(null, r, "fuzz-case", 1 << 20);
    t.setDaemon(true);
    return t;
  }
}
