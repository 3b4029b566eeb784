package org.vmap4j.spark.executor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.vmap4j.InDims;
import org.vmap4j.Tensor;
import org.vmap4j.Tree;
import org.vmap4j.VmapOptions;
import org.vmap4j.backend.ArgumentListCalls;
import org.vmap4j.spark.SerializableFunction;

/**
 * The per-example function itself, shipped by Java serialization and run under {@code vmap} on each
 * batch: one call per batch, never one per row. Each executor JVM compiles the vmapped function
 * with core's {@code jit} (see {@link #prepare}). Used only where the driver could not trace the
 * function; otherwise the driver ships its traced program ({@link ProgramKernel}).
 */
public final class EagerKernel implements BatchKernel {
  private static final long serialVersionUID = 1L;

  /** How the input columns become the function's data argument. */
  public enum Binding {
    /** One column: the argument is its tensor. */
    TENSOR,
    /** Several columns, one argument: a {@code Map<String, Tensor>} keyed by column name. */
    MAP,
    /** A two-argument function without constants: one column per argument. */
    TWO_TENSORS,
    /** Three or four arguments: one column per argument after the constants (if any). */
    COLUMN_PER_ARGUMENT
  }

  private final String cacheKey;
  private final SerializableFunction<Object[], Object> callable;
  private final int arity;
  private final boolean hasConstants;
  private final Binding binding;
  private final List<String> columns;

  /** What random primitives do under the batch's vmap (the driver's run on zeros included). */
  private final org.vmap4j.Randomness randomness;

  public EagerKernel(
      String cacheKey,
      SerializableFunction<Object[], Object> callable,
      int arity,
      boolean hasConstants,
      Binding binding,
      List<String> columns,
      org.vmap4j.Randomness randomness) {
    this.randomness = Objects.requireNonNull(randomness);
    this.cacheKey = Objects.requireNonNull(cacheKey);
    Objects.requireNonNull(callable);
    this.callable =
        binding == Binding.MAP ? new StrictMapArgument(callable, hasConstants ? 1 : 0) : callable;
    this.arity = arity;
    this.hasConstants = hasConstants;
    this.binding = binding;
    this.columns = List.copyOf(columns);
  }

  /**
   * The user's function with its map argument wrapped in a {@link ColumnMap} (transforms rebuild
   * argument maps as plain maps, so the wrapping is done where the function is called).
   */
  private record StrictMapArgument(SerializableFunction<Object[], Object> fn, int position)
      implements SerializableFunction<Object[], Object> {
    @Override
    @SuppressWarnings("unchecked")
    public Object apply(Object[] args) {
      Object[] a = args.clone();
      if (a[position] instanceof Map<?, ?> m && !(m instanceof ColumnMap)) {
        a[position] = new ColumnMap(new LinkedHashMap<>((Map<String, Tensor>) m));
      }
      return fn.apply(a);
    }
  }

  /** The user's function over its argument array. */
  SerializableFunction<Object[], Object> function() {
    return callable;
  }

  @Override
  public String cacheKey() {
    return cacheKey;
  }

  /**
   * Compiles the vmapped function with core's {@code jit} once per executor JVM (this method runs
   * once per JVM; the jitted function then compiles once per batch signature, usually the full
   * batch size and the last, shorter batch) and runs every batch compiled.
   */
  @Override
  public Prepared prepare(Object constants) {
    Function<Object[], Object> compiled =
        ArgumentListCalls.jit(args -> ArgumentListCalls.vmap(callable, args, options()));
    // each Spark task owns one core: kernels do not split work over threads here
    return inputs ->
        ArgumentListCalls.withThreads(
            1,
            () ->
                new ArrayList<>(
                    Tree.flatten(compiled.apply(arguments(constants, inputs))).leaves()));
  }

  /** One batch through the vmapped function, eagerly, with the result's pytree structure. */
  public Object callTree(Object constants, List<Tensor> inputs) {
    return ArgumentListCalls.vmap(callable, arguments(constants, inputs), options());
  }

  private VmapOptions options() {
    Integer[] dims = new Integer[arity];
    for (int i = 0; i < arity; i++) {
      dims[i] = hasConstants && i == 0 ? null : 0;
    }
    return VmapOptions.defaults().inDims(InDims.of(dims)).randomness(randomness);
  }

  /** The function's arguments for one call: constants first when there are any. */
  Object[] arguments(Object constants, List<Tensor> inputs) {
    Object[] args = new Object[arity];
    int next = 0;
    if (hasConstants) {
      args[next++] = constants;
    }
    switch (binding) {
      case TENSOR -> args[next] = inputs.get(0);
      case MAP -> {
        Map<String, Tensor> byName = new LinkedHashMap<>();
        for (int i = 0; i < columns.size(); i++) {
          byName.put(columns.get(i), inputs.get(i));
        }
        args[next] = byName;
      }
      case TWO_TENSORS -> {
        args[0] = inputs.get(0);
        args[1] = inputs.get(1);
      }
      case COLUMN_PER_ARGUMENT -> {
        for (int i = 0; i < inputs.size(); i++) {
          args[next + i] = inputs.get(i);
        }
      }
    }
    return args;
  }
}
