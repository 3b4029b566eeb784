package org.vmap4j.backend;

import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import org.vmap4j.Tensor;
import org.vmap4j.TreeDef;
import org.vmap4j.VmapOptions;
import org.vmap4j.compiler.Jit;
import org.vmap4j.cpu.Parallelism;
import org.vmap4j.ir.Program;
import org.vmap4j.transforms.Staging;
import org.vmap4j.transforms.Vmap;

/**
 * The seam through which vmap4j's integrations (the Spark connector) run functions of an argument
 * list whose length is known only at run time: trace one, vmap one, jit one, and run work on a
 * fixed number of threads. {@code Func} offers the same transforms for functions of one to four
 * arguments; an integration that binds a user's columns to arguments needs them over {@code
 * Object[]}, and calls this class instead of reaching into core's {@code transforms}, {@code
 * compiler} and {@code cpu} packages.
 */
public final class ArgumentListCalls {
  private ArgumentListCalls() {}

  /**
   * A traced function.
   *
   * @param program inputs: the leaves of every argument in order, then {@code captured}
   * @param resultDef the result's pytree structure
   * @param captured the values of enclosing transforms the function captured; empty when traced
   *     outside any transform
   */
  public record Traced(Program program, TreeDef resultDef, List<Tensor> captured) {}

  /**
   * Traces {@code fn} at the structures and leaf types of {@code args}.
   *
   * @param transformName the name a traced value's misuse (e.g. reading its data) names in errors
   */
  public static Traced trace(Function<Object[], Object> fn, Object[] args, String transformName) {
    Staging.Traced t = Staging.trace(fn, args, transformName);
    return new Traced(t.program(), t.resultDef(), t.captured());
  }

  /** {@code vmap(fn)} called on {@code args}, as {@code Func.vmap(f, options)} does. */
  public static Object vmap(Function<Object[], Object> fn, Object[] args, VmapOptions options) {
    return Vmap.call(fn, args, options);
  }

  /**
   * {@code jit(fn)} for the default backend ({@link Backends#fromSystemProperty()}, resolved at the
   * first compilation); compiled once per argument signature.
   */
  public static Function<Object[], Object> jit(Function<Object[], Object> fn) {
    return new Jit(fn)::call;
  }

  /** {@code jit(fn)} for {@code backend}. */
  public static Function<Object[], Object> jit(Function<Object[], Object> fn, Backend backend) {
    return new Jit(fn, backend)::call;
  }

  /**
   * Runs {@code work} with CPU kernels limited to {@code threads} threads on the calling thread (1:
   * no splitting), e.g. one Spark task per core.
   */
  public static <T> T withThreads(int threads, Supplier<T> work) {
    return Parallelism.withThreads(threads, work);
  }
}
